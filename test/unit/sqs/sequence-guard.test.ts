import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { NonRetryableError } from '../../../lib/errors.ts';
import { createReliabilityMetrics, memorySink } from '../../../lib/metrics/index.ts';
import { memorySequenceStore, type SqsMessage, sqsBatch } from '../../../lib/sqs/index.ts';
import { captureLogger, failedIds, sqsEvent, sqsRecord } from '../../support/sqs-events.ts';

type Entry = { account: string; seq: number };

const setup = (options: { holdForMs?: number; onLost?: 'process' | 'dead-letter' } = {}) => {
  const store = memorySequenceStore();
  const applied: number[] = [];
  const appliedByKey: string[] = [];
  const sink = memorySink();
  const { lines, logger } = captureLogger();
  const handler = sqsBatch<Entry>(
    async ({ body }) => {
      applied.push(body.seq);
      appliedByKey.push(`${body.account}:${body.seq}`);
    },
    {
      sequence: { key: (m: SqsMessage<Entry>) => m.body.account, seq: (m) => m.body.seq, store, ...options },
      metrics: createReliabilityMetrics({ sink }),
      logger,
    },
  );
  const deliver = (seq: number, sentAt = Date.now(), account = 'acct-1') =>
    handler(sqsEvent(sqsRecord(`m-${account}-${seq}`, { account, seq }, { sentAt })));
  return { store, applied, appliedByKey, sink, lines, handler, deliver };
};

describe('sequence guard', () => {
  it('arrivals 1, 3, 2 are processed as 1, 2, 3 across redeliveries', async () => {
    const { applied, sink, deliver } = setup();
    expect(failedIds(await deliver(1))).toEqual([]);
    expect(failedIds(await deliver(3))).toEqual(['m-acct-1-3']); // held: 2 is missing
    expect(failedIds(await deliver(2))).toEqual([]);
    expect(failedIds(await deliver(3))).toEqual([]); // SQS returns it after the visibility timeout
    expect(applied).toEqual([1, 2, 3]);
    expect(sink.totals()).toMatchObject({ MessagesProcessed: 3, OutOfOrderHeld: 1, MessagesLost: 0 });
  });

  it('a duplicate sequence number is skipped and counted', async () => {
    const { applied, sink, deliver } = setup();
    await deliver(1);
    await deliver(2);
    expect(failedIds(await deliver(2))).toEqual([]);
    expect(applied).toEqual([1, 2]);
    expect(sink.totals().DuplicatesSuppressed).toBe(1);
  });

  it('within one standard-queue batch, a key runs in sequence order', async () => {
    const { appliedByKey, handler } = setup();
    const event = sqsEvent(
      sqsRecord('m3', { account: 'a', seq: 3 }),
      sqsRecord('m1', { account: 'a', seq: 1 }),
      sqsRecord('x1', { account: 'b', seq: 1 }),
      sqsRecord('m2', { account: 'a', seq: 2 }),
    );
    expect(failedIds(await handler(event))).toEqual([]);
    expect(appliedByKey.filter((entry) => entry.startsWith('a:'))).toEqual(['a:1', 'a:2', 'a:3']);
    expect(appliedByKey).toContain('b:1');
  });

  it('a gap older than holdFor counts as lost, is logged, and the stream goes on', async () => {
    const { applied, sink, lines, deliver } = setup({ holdForMs: 60_000 });
    await deliver(1);
    expect(failedIds(await deliver(4, Date.now() - 30_000))).toEqual(['m-acct-1-4']);
    expect(failedIds(await deliver(4, Date.now() - 61_000))).toEqual([]);
    await deliver(5);

    expect(applied).toEqual([1, 4, 5]);
    expect(sink.totals().MessagesLost).toBe(2);
    expect(lines.find((l) => l.attributes.event === 'lost')?.attributes).toMatchObject({
      sequenceKey: 'acct-1',
      missing: [2, 3],
    });
  });

  it('a dead-lettered record still moves the watermark: the next number is not held', async () => {
    const sqs = mockClient(SQSClient);
    sqs.on(SendMessageCommand).resolves({ MessageId: 'dlq' });
    const store = memorySequenceStore();
    const applied: number[] = [];
    const handler = sqsBatch<Entry>(
      async ({ body }) => {
        if (body.seq === 2) throw new NonRetryableError('poison');
        applied.push(body.seq);
      },
      {
        sequence: { key: (m: SqsMessage<Entry>) => m.body.account, seq: (m) => m.body.seq, store },
        deadLetterQueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/poison',
        sqsClient: new SQSClient({}),
        metrics: false,
        logger: captureLogger().logger,
      },
    );
    for (const seq of [1, 2, 3]) {
      expect(failedIds(await handler(sqsEvent(sqsRecord(`m${seq}`, { account: 'a', seq }))))).toEqual([]);
    }
    expect(applied).toEqual([1, 3]);
    expect(store.watermarks.get('a')).toBe(3);
    sqs.restore();
  });

  it('keys are independent', async () => {
    const { applied, deliver } = setup();
    await deliver(1, Date.now(), 'a');
    await deliver(1, Date.now(), 'b');
    expect(failedIds(await deliver(2, Date.now(), 'b'))).toEqual([]);
    expect(applied).toEqual([1, 1, 2]);
  });
});
