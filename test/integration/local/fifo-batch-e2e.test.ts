import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
} from '@aws-sdk/client-sqs';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { NonRetryableError } from '../../../lib/errors.ts';
import { dynamoDBStore } from '../../../lib/idempotency/index.ts';
import { type BatchReport, localClientConfig, startSqsEventSource } from '../../../lib/local/index.ts';
import { sqsBatch } from '../../../lib/sqs/index.ts';
import { createFifoQueue, createTable, localClients } from '../../support/local.ts';
import { captureLogger } from '../../support/sqs-events.ts';

// Batches that hold many records of one FIFO group, as SQS forms them, through sqsBatch on the
// local stack: a failure mid-group, with each onFailure, and a poison record mid-group.

const { stack, dynamodb, documents, sqs } = localClients();
const client = new DynamoDBClient(localClientConfig(stack, stack.dynamodb.endpoint));

type Order = { n: number; poison?: true };

/** A FIFO queue (visibility 4 s, DLQ after 5 receives) holding orders 1–10 of group A; `poisonAt` marks one poison. */
const setup = async (poisonAt?: number) => {
  const dlqUrl = await createFifoQueue(sqs, 'e2e-dlq');
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }),
  );
  const queueUrl = await createFifoQueue(sqs, 'e2e', {
    // Long enough that a slow first batch is not redelivered to the second poller while it runs.
    VisibilityTimeout: '4',
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: Attributes?.QueueArn, maxReceiveCount: 5 }),
  });
  const name = queueUrl.split('/').at(-1)!;
  await sqs.send(
    new SendMessageBatchCommand({
      QueueUrl: queueUrl,
      Entries: Array.from({ length: 10 }, (_, i) => ({
        Id: `m${i + 1}`,
        MessageBody: JSON.stringify(i + 1 === poisonAt ? { n: i + 1, poison: true } : { n: i + 1 }),
        MessageGroupId: 'A',
        MessageDeduplicationId: `a-${i + 1}`,
      })),
    }),
  );
  return {
    queueUrl,
    dlqUrl,
    queueArn: `arn:aws:sqs:${stack.region}:000000000000:${name}`,
    effects: await createTable(dynamodb, 'e2e-effects'),
    idempotency: await createTable(dynamodb, 'e2e-idempotency'),
  };
};

/** Runs the source until `done` says so (bounded), returning every event and batch report. */
const consume = async (
  queue: Awaited<ReturnType<typeof setup>>,
  handler: (event: SQSEvent, context: Context) => Promise<unknown>,
  done: (reports: BatchReport[]) => boolean,
) => {
  const events: number[][] = [];
  const reports: BatchReport[] = [];
  const source = startSqsEventSource({
    client: sqs,
    queueUrl: queue.queueUrl,
    queueArn: queue.queueArn,
    maxConcurrency: 2,
    waitTimeSeconds: 1,
    handler: (event, context) => {
      events.push(event.Records.map((r) => (JSON.parse(r.body) as Order).n));
      return handler(event, context);
    },
    onBatch: (report) => reports.push(report),
  });
  for (let i = 0; i < 400 && !done(reports); i++) await new Promise((r) => setTimeout(r, 50));
  await source.stop();
  return { events, reports };
};

const appliedIn = async (table: string) =>
  (await documents.send(new GetCommand({ TableName: table, Key: { pk: 'A' } }))).Item?.applied as
    | number[]
    | undefined;

/** sqsBatch, exactly-once, appending each order's n to the group's effect list; `fail` throws on chosen attempts. */
const consumer = (
  queue: Awaited<ReturnType<typeof setup>>,
  options: { fail?: (n: number) => boolean; onFailure?: 'skip-group' | 'stop-batch'; dlq?: boolean },
) =>
  sqsBatch<Order>(
    async ({ body }, { transaction }) => {
      if (body.poison) throw new NonRetryableError(`order ${body.n} is poison`);
      if (options.fail?.(body.n)) throw new Error(`order ${body.n} failed (injected)`);
      transaction.update({
        TableName: queue.effects,
        Key: { pk: 'A' },
        UpdateExpression: 'SET applied = list_append(if_not_exists(applied, :empty), :n)',
        ExpressionAttributeValues: { ':n': [body.n], ':empty': [] },
      });
    },
    {
      idempotency: {
        store: dynamoDBStore({ tableName: queue.idempotency, client }),
        key: (m) => `A#${m.body.n}`,
      },
      metrics: false,
      logger: captureLogger().logger,
      ...(options.onFailure ? { onFailure: options.onFailure } : {}),
      ...(options.dlq ? { deadLetterQueueUrl: queue.dlqUrl, sqsClient: sqs } : {}),
    },
  );

const deleted = (reports: BatchReport[]) => reports.reduce((sum, r) => sum + r.deleted, 0);

describe.each(['skip-group', 'stop-batch'] as const)(
  'a batch of 10 from one group, record 4 fails once (%s)',
  (onFailure) => {
    it('records 5–10 are reported without running, come back in order, and the effects read 1–10', async () => {
      const queue = await setup();
      let failures = 0;
      const handler = consumer(queue, { onFailure, fail: (n) => n === 4 && failures++ === 0 });
      const { events, reports } = await consume(queue, handler, (r) => deleted(r) >= 10);
      expect(events[0]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(reports[0]).toMatchObject({
        records: 10,
        groups: 1,
        deleted: 3,
        retried: 7,
        outcome: 'partial',
      });
      expect(events[1]).toEqual([4, 5, 6, 7, 8, 9, 10]);
      expect(await appliedIn(queue.effects)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    });
  },
);

describe('a poison record mid-group', () => {
  it('is dead-lettered, and the rest of its group proceeds in order', async () => {
    const queue = await setup(5);
    const handler = consumer(queue, { dlq: true });
    const { events, reports } = await consume(queue, handler, (r) => deleted(r) >= 10);
    expect(events[0]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(reports[0]).toMatchObject({ records: 10, groups: 1, deleted: 10, retried: 0, outcome: 'ok' });
    expect(await appliedIn(queue.effects)).toEqual([1, 2, 3, 4, 6, 7, 8, 9, 10]);
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queue.dlqUrl, MaxNumberOfMessages: 10 }),
    );
    expect(Messages.map((m) => m.Body)).toEqual(['{"n":5,"poison":true}']);
  });
});
