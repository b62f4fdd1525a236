import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { dynamoDBStore } from '../../../lib/idempotency/index.ts';
import { localClientConfig } from '../../../lib/local/index.ts';
import { createReliabilityMetrics, memorySink } from '../../../lib/metrics/index.ts';
import { sqsBatch } from '../../../lib/sqs/index.ts';
import { createTable, localClients } from '../../support/local.ts';
import { captureLogger, lambdaContext, sqsEvent, sqsRecord } from '../../support/sqs-events.ts';

const { stack, dynamodb, documents } = localClients();

type Order = { orderId: string; customerId: string };

/**
 * The reorder of a redrive, step by step with gates (no sleeps): invocation A holds o-1 of a
 * group past its visibility timeout (it started late: Lambda retried a throttled invoke, and init
 * time does not count toward the function timeout); SQS moves o-1 on and hands o-2 to invocation B,
 * which commits; then A's commit of o-1 arrives. Lease mode, dynamoDBStore.
 */
const interleave = async (fence: boolean) => {
  const client = new DynamoDBClient(localClientConfig(stack, stack.dynamodb.endpoint));
  const idempotencyTable = await createTable(dynamodb, 'fence-idem');
  const ledger = await createTable(dynamodb, 'fence-ledger');
  const sink = memorySink();
  const logs = captureLogger();
  let release = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let started = () => {};
  const running = new Promise<void>((resolve) => {
    started = resolve;
  });
  const handler = sqsBatch<Order>(
    async ({ body }, { transaction }) => {
      if (body.orderId === 'o-1') {
        started();
        await gate;
      }
      // The customer's ledger lists the orders in the order their effects were applied.
      transaction.update({
        TableName: ledger,
        Key: { pk: body.customerId },
        UpdateExpression: 'SET entries = list_append(if_not_exists(entries, :empty), :entry)',
        ExpressionAttributeValues: { ':empty': [], ':entry': [body.orderId] },
      });
    },
    {
      idempotency: {
        store: dynamoDBStore({ tableName: idempotencyTable, client }),
        key: (m) => m.body.orderId,
      },
      ...(fence ? {} : { fence: false as const }),
      metrics: createReliabilityMetrics({ sink }),
      logger: logs.logger,
    },
  );
  const o1 = sqsRecord('m-1', { orderId: 'o-1', customerId: 'c-1' }, { group: 'c-1', receiveCount: 5 });
  const o2 = sqsRecord('m-2', { orderId: 'o-2', customerId: 'c-1' }, { group: 'c-1' });

  const a = handler(sqsEvent(o1), lambdaContext());
  await running;
  const b = await handler(sqsEvent(o2), lambdaContext());
  release();
  const late = await a;
  const { Item } = await documents.send(
    new GetCommand({ TableName: ledger, Key: { pk: 'c-1' }, ConsistentRead: true }),
  );
  return { b, late, entries: Item?.entries as string[], totals: sink.totals(), logs: logs.lines };
};

describe('the FIFO fence: a late invocation never commits after its group moved on', () => {
  it('without the fence (fence: false) the ledger reads o-2, o-1: the late commit lands out of order', async () => {
    const { b, late, entries } = await interleave(false);
    expect(b.batchItemFailures).toEqual([]);
    expect(late.batchItemFailures).toEqual([]);
    expect(entries).toEqual(['o-2', 'o-1']);
  });

  it('with the fence (the default) o-1 is not applied, the late commit is counted and logged, o-2 stands', async () => {
    const { b, late, entries, totals, logs } = await interleave(true);
    expect(b.batchItemFailures).toEqual([]);
    expect(late.batchItemFailures).toEqual([{ itemIdentifier: 'm-1' }]);
    expect(entries).toEqual(['o-2']);
    expect(totals).toMatchObject({ MessagesProcessed: 1, LateCommitsFenced: 1 });
    const failed = logs.find((line) => line.attributes.messageId === 'm-1');
    expect(failed?.attributes.errorName).toBe('LateCommitFencedError');
  });
});
