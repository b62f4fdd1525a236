import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigurationError, NonRetryableError } from '../../../lib/errors.ts';
import { memoryStore } from '../../../lib/idempotency/index.ts';
import { createReliabilityMetrics, memorySink } from '../../../lib/metrics/index.ts';
import { DeadLetterAttribute, sqsBatch } from '../../../lib/sqs/index.ts';
import { captureLogger, failedIds, lambdaContext, sqsEvent, sqsRecord } from '../../support/sqs-events.ts';

const DLQ = 'https://sqs.us-east-1.amazonaws.com/123456789012/orders-poison';
const sqs = mockClient(SQSClient);
beforeEach(() => {
  sqs.reset();
  sqs.on(SendMessageCommand).resolves({ MessageId: 'dlq-1' });
});

describe('sqsBatch failures', () => {
  it('a poison record goes to the DLQ with its error; the rest of the batch succeeds', async () => {
    const processed: string[] = [];
    const { lines, logger } = captureLogger();
    const handler = sqsBatch<{ id: string }>(
      async ({ body }) => {
        if (body.id === 'bad') throw new NonRetryableError('amount must be positive');
        processed.push(body.id);
      },
      { deadLetterQueueUrl: DLQ, sqsClient: new SQSClient({}), logger, metrics: false },
    );
    const poison = sqsRecord(
      'm2',
      { id: 'bad' },
      { attributes: { tenant: { dataType: 'String', stringValue: 'acme' } as never } },
    );
    const response = await handler(
      sqsEvent(sqsRecord('m1', { id: 'a' }), poison, sqsRecord('m3', { id: 'c' })),
      lambdaContext(),
    );

    expect(failedIds(response)).toEqual([]);
    expect(processed.sort()).toEqual(['a', 'c']);
    expect(sqs.commandCalls(SendMessageCommand).map((c) => c.args[0].input)).toEqual([
      {
        QueueUrl: DLQ,
        MessageBody: JSON.stringify({ id: 'bad' }),
        MessageAttributes: {
          tenant: { DataType: 'String', StringValue: 'acme' },
          [DeadLetterAttribute.ErrorName]: { DataType: 'String', StringValue: 'NonRetryableError' },
          [DeadLetterAttribute.ErrorMessage]: { DataType: 'String', StringValue: 'amount must be positive' },
          [DeadLetterAttribute.SourceMessageId]: { DataType: 'String', StringValue: 'm2' },
          [DeadLetterAttribute.SourceQueue]: { DataType: 'String', StringValue: 'orders' },
        },
      },
    ]);
    expect(lines.find((l) => l.attributes.event === 'dead-lettered')?.attributes).toMatchObject({
      messageId: 'm2',
    });
  });

  it('without a DLQ, poison is reported failed so the redrive policy moves it (never dropped)', async () => {
    const handler = sqsBatch(async () => {}, { metrics: false, logger: captureLogger().logger });
    const response = await handler(
      sqsEvent(sqsRecord('m1', 'not json {', { raw: true }), sqsRecord('m2', { ok: true })),
    );
    expect(failedIds(response)).toEqual(['m1']);
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
  });

  it('if the DLQ send fails, the record is reported failed rather than lost', async () => {
    sqs.on(SendMessageCommand).rejects(new Error('throttled'));
    const handler = sqsBatch(
      async () => {
        throw new NonRetryableError('poison');
      },
      {
        deadLetterQueueUrl: DLQ,
        sqsClient: new SQSClient({}),
        metrics: false,
        logger: captureLogger().logger,
      },
    );
    expect(failedIds(await handler(sqsEvent(sqsRecord('m1', {}))))).toEqual(['m1']);
  });

  it('schema failures are non-retryable and name the field', async () => {
    const Order = z.object({ orderId: z.string(), amount: z.number().positive() });
    const seen: number[] = [];
    const handler = sqsBatch(async ({ body }) => void seen.push(body.amount), {
      parse: Order,
      deadLetterQueueUrl: DLQ,
      sqsClient: new SQSClient({}),
      metrics: false,
      logger: captureLogger().logger,
    });
    const response = await handler(
      sqsEvent(sqsRecord('m1', { orderId: 'o1', amount: 5 }), sqsRecord('m2', { orderId: 'o2', amount: -1 })),
    );
    expect(failedIds(response)).toEqual([]);
    expect(seen).toEqual([5]);
    const errorMessage =
      sqs.commandCalls(SendMessageCommand)[0]?.args[0].input.MessageAttributes?.[
        DeadLetterAttribute.ErrorMessage
      ];
    expect(errorMessage?.StringValue).toMatch(/m2 failed validation: amount: /);
  });

  it('counts 10 records, 2 duplicates, 1 poison as Received 10, Processed 7, Duplicates 2, DeadLettered 1', async () => {
    const sink = memorySink();
    const handler = sqsBatch<{ order: string }>(
      async ({ body }) => {
        if (body.order === 'poison') throw new NonRetryableError('poison');
      },
      {
        idempotency: { store: memoryStore(), key: (m) => m.body.order },
        deadLetterQueueUrl: DLQ,
        sqsClient: new SQSClient({}),
        metrics: createReliabilityMetrics({ sink, service: 'payments' }),
        logger: captureLogger().logger,
      },
    );
    const orders = ['o1', 'o2', 'o3', 'o4', 'o5', 'o6', 'o7', 'poison'];
    await handler(sqsEvent(...orders.map((order, i) => sqsRecord(`m${i}`, { order }))));
    const response = await handler(
      sqsEvent(sqsRecord('m8', { order: 'o1' }), sqsRecord('m9', { order: 'o2' })),
    );

    expect(failedIds(response)).toEqual([]);
    expect(sink.totals()).toMatchObject({
      MessagesReceived: 10,
      MessagesProcessed: 7,
      DuplicatesSuppressed: 2,
      MessagesDeadLettered: 1,
      MessagesFailed: 0,
    });
    expect(sink.documents).toHaveLength(2); // one flush per invocation
  });

  it('optimistic commit: a repeat found at commit counts as a duplicate, not as processed', async () => {
    const sink = memorySink();
    const store = memoryStore();
    const { lines, logger } = captureLogger();
    const handler = sqsBatch<{ order: string }>(async ({ body }) => ({ paid: body.order }), {
      idempotency: { store, key: (m) => m.body.order, optimistic: true },
      metrics: createReliabilityMetrics({ sink, service: 'payments' }),
      logger,
    });
    await handler(sqsEvent(sqsRecord('m1', { order: 'o1' })));
    const response = await handler(sqsEvent(sqsRecord('m2', { order: 'o1' })));
    expect(failedIds(response)).toEqual([]);
    expect(sink.totals()).toMatchObject({ MessagesProcessed: 1, DuplicatesSuppressed: 1 });
    expect(lines.find((l) => l.attributes.event === 'duplicate')?.attributes).toMatchObject({
      messageId: 'm2',
    });
  });

  it('time guard: records not started when time runs short are reported, not cut off', async () => {
    let remaining = 60_000;
    const ran: string[] = [];
    const handler = sqsBatch<{ id: string }>(
      async ({ body }) => {
        ran.push(body.id);
        remaining = 1_000; // the first record used up the time
      },
      { timeGuardMs: 5_000, concurrency: 1, metrics: false, logger: captureLogger().logger },
    );
    const response = await handler(
      sqsEvent(sqsRecord('m1', { id: '1' }), sqsRecord('m2', { id: '2' }), sqsRecord('m3', { id: '3' })),
      lambdaContext(() => remaining),
    );
    expect(ran).toEqual(['1']);
    expect(failedIds(response)).toEqual(['m2', 'm3']);
  });

  it('time guard on a short function timeout: at most half the starting time, so records still run', async () => {
    let remaining = 2_000; // a 2 s function: the 5 s default guard alone would refuse every record
    const ran: string[] = [];
    const handler = sqsBatch<{ id: string }>(
      async ({ body }) => {
        ran.push(body.id);
        remaining -= 600;
      },
      { concurrency: 1, metrics: false, logger: captureLogger().logger },
    );
    const response = await handler(
      sqsEvent(sqsRecord('m1', { id: '1' }), sqsRecord('m2', { id: '2' }), sqsRecord('m3', { id: '3' })),
      lambdaContext(() => remaining),
    );
    // 2000 → 1400 → 800: the third starts with less than the 1000 ms guard left.
    expect(ran).toEqual(['1', '2']);
    expect(failedIds(response)).toEqual(['m3']);
  });

  it('at-most-once: a failing record is acknowledged, logged and never retried', async () => {
    let runs = 0;
    const { lines, logger } = captureLogger();
    const handler = sqsBatch(
      async () => {
        runs++;
        throw new Error('charge failed');
      },
      {
        idempotency: { store: memoryStore(), key: (m) => m.messageId, mode: 'at-most-once' },
        metrics: false,
        logger,
      },
    );
    expect(failedIds(await handler(sqsEvent(sqsRecord('m1', {}))))).toEqual([]);
    expect(failedIds(await handler(sqsEvent(sqsRecord('m1', {}))))).toEqual([]);
    expect(runs).toBe(1);
    expect(lines.find((l) => l.attributes.event === 'failed')?.attributes).toMatchObject({
      willRetry: false,
      messageId: 'm1',
    });
  });

  it('an all-failed batch is logged as an error, not silent', async () => {
    const { lines, logger } = captureLogger();
    const handler = sqsBatch(
      async () => {
        throw new Error('database down');
      },
      { metrics: false, logger },
    );
    expect(failedIds(await handler(sqsEvent(sqsRecord('m1', {}), sqsRecord('m2', {}))))).toEqual([
      'm1',
      'm2',
    ]);
    expect(lines.filter((l) => l.level === 'error').map((l) => l.attributes.event)).toEqual(['batch-failed']);
  });

  it('logs no bodies unless asked', async () => {
    const { lines, logger } = captureLogger();
    const handler = sqsBatch(
      async () => {
        throw new Error('x');
      },
      { metrics: false, logger },
    );
    await handler(sqsEvent(sqsRecord('m1', { card: '4111111111111111' })));
    expect(JSON.stringify(lines)).not.toContain('4111');
  });

  it('rejects an event that is not an SQS event with a clear error', async () => {
    const handler = sqsBatch(async () => {}, { metrics: false });
    await expect(handler({} as never)).rejects.toThrow(/without a Records array/);
  });

  it.each([
    [{ ordering: 'random' }, /`ordering` must be 'auto' \| 'fifo' \| 'none'/],
    [{ concurrency: 0 }, /`concurrency` must be an integer ≥ 1/],
    [{ parse: 'xml' }, /`parse` must be 'json', 'raw' or a Standard Schema/],
    [{ deadLetterQueueUrl: 'orders-dlq' }, /`deadLetterQueueUrl` must be a queue URL/],
    [{ sequence: { key: () => 'k', seq: () => 1 } }, /`sequence.store` must be a SequenceStore/],
  ])('rejects %o when built', (options, message) => {
    expect(() => sqsBatch(async () => {}, options as never)).toThrow(ConfigurationError);
    expect(() => sqsBatch(async () => {}, options as never)).toThrow(message);
  });
});

describe('sqsBatch without idempotency', () => {
  it('`transaction` says it needs the idempotency option, and what to do instead', async () => {
    const handler = sqsBatch<{ id: string }>(
      async (_message, { transaction }) => {
        transaction.update({ TableName: 'Payments', Key: { pk: 'a' }, UpdateExpression: 'ADD n :one' });
      },
      {
        deadLetterQueueUrl: DLQ,
        sqsClient: new SQSClient({}),
        metrics: false,
        logger: captureLogger().logger,
      },
    );
    await handler(sqsEvent(sqsRecord('m1', { id: 'a' })), lambdaContext());
    const attributes = sqs.commandCalls(SendMessageCommand)[0]?.args[0].input.MessageAttributes;
    expect(attributes?.[DeadLetterAttribute.ErrorName]?.StringValue).toBe('IdempotencyTransactionError');
    expect(attributes?.[DeadLetterAttribute.ErrorMessage]?.StringValue).toBe(
      '`transaction` needs the `idempotency` option: its writes commit with the idempotency record, and sqsBatch has none. ' +
        'Add `idempotency: { store, key }`, or write directly (each delivery then applies its writes: at-least-once).',
    );
  });
});
