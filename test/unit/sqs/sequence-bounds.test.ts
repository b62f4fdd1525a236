import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createReliabilityMetrics, memorySink } from '../../../lib/metrics/index.ts';
import { memorySequenceStore, type SqsMessage, sqsBatch } from '../../../lib/sqs/index.ts';
import { captureLogger, failedIds, sqsEvent, sqsRecord } from '../../support/sqs-events.ts';

const MINUTE = 60_000;
const dlq = mockClient(SQSClient);
afterEach(() => {
  dlq.reset();
  delete process.env.MAX_RECEIVE_COUNT;
});

// The key and number as the producer stamps them: message attributes, readable without the body.
const fromAttributes = {
  key: (m: SqsMessage<unknown>) => String(m.attributes['reliable-events.ordering-key']?.stringValue),
  seq: (m: SqsMessage<unknown>) => Number(m.attributes['reliable-events.sequence']?.stringValue),
};
const numbered = (
  seq: number,
  options: { sentAt?: number; receiveCount?: number; body?: string } = {},
): SQSRecord =>
  sqsRecord(`m${seq}`, options.body ?? JSON.stringify({ seq }), {
    raw: true,
    ...options,
    attributes: {
      'reliable-events.ordering-key': { dataType: 'String', stringValue: 'acct-1' },
      'reliable-events.sequence': { dataType: 'Number', stringValue: String(seq) },
    },
  });

const setup = (sequence: { maxReceiveCount?: number } = {}) => {
  const store = memorySequenceStore();
  const applied: number[] = [];
  const sink = memorySink();
  const metrics = createReliabilityMetrics({ sink });
  const handler = sqsBatch<{ seq: number }>(
    async ({ body }) => {
      applied.push(body.seq);
    },
    {
      sequence: { ...fromAttributes, store, ...sequence },
      metrics,
      logger: captureLogger().logger,
      deadLetterQueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/orders-dlq',
      sqsClient: new SQSClient({}),
    },
  );
  return { applied, sink, handler, store };
};

describe('sequence guard bounds: a held record is never redriven while "held"', () => {
  it('on its last receive before the redrive (5 of maxReceiveCount 5), a record waiting 12 minutes counts the gap lost instead of being held', async () => {
    const { applied, sink, handler } = setup({ maxReceiveCount: 5 });
    await handler(sqsEvent(numbered(1)));
    const sentAt = Date.now() - 12 * MINUTE;
    expect(failedIds(await handler(sqsEvent(numbered(3, { sentAt, receiveCount: 4 }))))).toEqual(['m3']);
    expect(failedIds(await handler(sqsEvent(numbered(3, { sentAt, receiveCount: 5 }))))).toEqual([]);
    expect(applied).toEqual([1, 3]);
    expect(sink.totals().MessagesLost).toBe(1);
  });

  it('reads maxReceiveCount from MAX_RECEIVE_COUNT, which ReliableConsumer sets from its queue', async () => {
    process.env.MAX_RECEIVE_COUNT = '3';
    const { applied, handler } = setup();
    await handler(sqsEvent(numbered(1)));
    expect(failedIds(await handler(sqsEvent(numbered(3, { receiveCount: 3 }))))).toEqual([]);
    expect(applied).toEqual([1, 3]);
  });

  it('refuses a maxReceiveCount that cannot hold anything, at construction', () => {
    expect(() => setup({ maxReceiveCount: 1 })).toThrow(/sequence.maxReceiveCount/);
    expect(() => setup({ maxReceiveCount: 2.5 })).toThrow(/sequence.maxReceiveCount/);
  });
});

describe('sequence guard: a poison record still uses its number', () => {
  it('1, 2 (a body that is not JSON), 3: 2 is dead-lettered and moves the watermark, so 3 is not held', async () => {
    dlq.on(SendMessageCommand).resolves({ MessageId: 'dlq-1' });
    const { applied, sink, handler, store } = setup();
    await handler(sqsEvent(numbered(1)));
    expect(failedIds(await handler(sqsEvent(numbered(2, { body: 'not json {' }))))).toEqual([]);
    expect(failedIds(await handler(sqsEvent(numbered(3))))).toEqual([]);
    expect(applied).toEqual([1, 3]);
    expect(await store.last('acct-1')).toBe(3);
    expect(dlq.commandCalls(SendMessageCommand)).toHaveLength(1);
    expect(sink.totals()).toMatchObject({ MessagesDeadLettered: 1, MessagesLost: 0, OutOfOrderHeld: 0 });
  });

  it('a poison record beyond a gap is held like any other, then dead-lettered in its turn', async () => {
    dlq.on(SendMessageCommand).resolves({ MessageId: 'dlq-1' });
    const { applied, handler, store } = setup();
    await handler(sqsEvent(numbered(1)));
    expect(failedIds(await handler(sqsEvent(numbered(3, { body: 'not json {' }))))).toEqual(['m3']);
    await handler(sqsEvent(numbered(2)));
    expect(failedIds(await handler(sqsEvent(numbered(3, { body: 'not json {' }))))).toEqual([]);
    expect(applied).toEqual([1, 2]);
    expect(await store.last('acct-1')).toBe(3);
  });
});
