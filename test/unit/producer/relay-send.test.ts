import { SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createProducer } from '../../../lib/producer/index.ts';
import { relaySend } from '../../../lib/producer/relay-send.ts';
import { fakeFifoQueue } from './fake-fifo-queue.ts';

const sqs = mockClient(SQSClient);
beforeEach(() => sqs.reset());
const producer = () =>
  createProducer({
    queueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/events.fifo',
    client: new SQSClient({}),
    metrics: false,
    random: () => 0,
    retry: { maxAttempts: 2 },
  });
const message = (id: string, key: string) => ({ id, orderingKey: key, body: id });

describe('relaySend', () => {
  it('sets aside an entry SQS refuses as the sender’s fault and sends the rest of its key after it, in order', async () => {
    const queue = fakeFifoQueue(sqs, { failEntry: (body) => (body === 'a-1' ? 'sender-fault' : false) });
    const outcome = await relaySend(producer(), [
      message('a-1', 'a'),
      message('a-2', 'a'),
      message('a-3', 'a'),
    ]);
    expect(queue.group('a')).toEqual(['a-2', 'a-3']);
    expect([...outcome.rejected.keys()]).toEqual(['a-1']);
    expect(outcome.retry.size).toBe(0);
  });

  it('leaves to the stream what failed otherwise, with what it held back', async () => {
    const queue = fakeFifoQueue(sqs, { failEntry: (body) => (body === 'a-1' ? 'retryable' : false) });
    const outcome = await relaySend(producer(), [
      message('a-1', 'a'),
      message('a-2', 'a'),
      message('b-1', 'b'),
    ]);
    expect(queue.group('a')).toEqual([]);
    expect(queue.group('b')).toEqual(['b-1']);
    expect([...outcome.retry].sort()).toEqual(['a-1', 'a-2']);
  });

  it('sets aside a message the producer refuses up front, sending the others', async () => {
    const queue = fakeFifoQueue(sqs);
    const outcome = await relaySend(producer(), [
      message('a-1', 'a'),
      { id: 'x', body: 'no key' },
      message('a-2', 'a'),
    ]);
    expect(queue.group('a')).toEqual(['a-1', 'a-2']);
    expect(outcome.rejected.get('x')).toMatch(/orderingKey/);
  });
});
