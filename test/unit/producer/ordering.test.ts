import { SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createProducer } from '../../../lib/producer/index.ts';
import { withUnorderedRetries } from '../../../lib/producer/unordered-retries.ts';
import { fakeFifoQueue } from './fake-fifo-queue.ts';

const FIFO_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/orders.fifo';
const sqs = mockClient(SQSClient);
beforeEach(() => sqs.reset());

const producer = (extra: Partial<Parameters<typeof createProducer>[0]> = {}) =>
  createProducer({
    queueUrl: FIFO_URL,
    client: new SQSClient({}),
    metrics: false,
    random: () => 0,
    throwOnFailure: false,
    ...extra,
  });
const messagesOf = (key: string, count: number) =>
  Array.from({ length: count }, (_, i) => ({
    id: `${key}-${i + 1}`,
    orderingKey: key,
    body: `${key}-${i + 1}`,
  }));

describe('createProducer on a FIFO queue keeps each ordering key in order through retries', () => {
  it('across calls: the first call of 11 messages is throttled, the group still reads 1…11', async () => {
    const queue = fakeFifoQueue(sqs, { throttleCall: (call) => call === 1 });
    const result = await producer().send(messagesOf('k', 11));
    expect(result.failed).toEqual([]);
    expect(queue.group('k')).toEqual(messagesOf('k', 11).map((m) => m.body));
  });

  it('within a call: entry 1 fails (not a sender fault) while entry 2 would be accepted, the group still reads 1, 2', async () => {
    const queue = fakeFifoQueue(sqs, {
      failEntry: (body, attempt) => (body === 'k-1' && attempt === 1 ? 'retryable' : false),
    });
    const result = await producer().send(messagesOf('k', 3));
    expect(result.failed).toEqual([]);
    expect(queue.group('k')).toEqual(['k-1', 'k-2', 'k-3']);
  });

  it('gives up on a key: every later message of it is reported not sent and never enqueued; other keys are not held back', async () => {
    const queue = fakeFifoQueue(sqs, {
      failEntry: (body) => (body === 'a-2' ? 'retryable' : false),
    });
    const result = await producer({ retry: { maxAttempts: 3 } }).send([
      ...messagesOf('a', 4),
      ...messagesOf('b', 4),
    ]);
    expect(queue.group('a')).toEqual(['a-1']);
    expect(queue.group('b')).toEqual(['b-1', 'b-2', 'b-3', 'b-4']);
    expect(result.sent.map((s) => s.id).sort()).toEqual(['a-1', 'b-1', 'b-2', 'b-3', 'b-4']);
    expect(result.failed.map((f) => [f.id, f.code])).toEqual([
      ['a-2', 'InternalError'],
      ['a-3', 'PrecedingMessageNotSent'],
      ['a-4', 'PrecedingMessageNotSent'],
    ]);
    expect(result.failed[1]?.reason).toMatch(/a-2/);
  });

  it('a sender fault stops its key at once (later messages reported not sent), other keys go on', async () => {
    const queue = fakeFifoQueue(sqs, {
      failEntry: (body) => (body === 'a-1' ? 'sender-fault' : false),
    });
    const result = await producer().send([...messagesOf('a', 3), ...messagesOf('b', 2)]);
    expect(queue.group('a')).toEqual([]);
    expect(queue.group('b')).toEqual(['b-1', 'b-2']);
    expect(result.failed.map((f) => [f.id, f.code, f.senderFault])).toEqual([
      ['a-1', 'InvalidMessageContents', true],
      ['a-2', 'PrecedingMessageNotSent', false],
      ['a-3', 'PrecedingMessageNotSent', false],
    ]);
  });

  it('seeded throttles and entry failures on 10 keys: every key complete and in order', async () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const queue = fakeFifoQueue(sqs, {
      throttleCall: () => random() < 0.1,
      failEntry: () => (random() < 0.1 ? 'retryable' : false),
    });
    const keys = Array.from({ length: 10 }, (_, k) => `k${k}`);
    const messages = keys.flatMap((key) => messagesOf(key, 30));
    const result = await producer({ retry: { maxAttempts: 20 } }).send(messages);
    expect(result.failed).toEqual([]);
    for (const key of keys) expect(queue.group(key)).toEqual(messagesOf(key, 30).map((m) => m.body));
  });

  it("withUnorderedRetries (the proof's mutation, not exported) still sends later messages first", async () => {
    const queue = fakeFifoQueue(sqs, { throttleCall: (call) => call === 1 });
    const mutated = createProducer(
      withUnorderedRetries({
        queueUrl: FIFO_URL,
        client: new SQSClient({}),
        metrics: false,
        random: () => 0,
      }),
    );
    await mutated.send(messagesOf('k', 11));
    expect(queue.group('k')).toEqual(['k-11', ...messagesOf('k', 10).map((m) => m.body)]);
  });
});
