import { SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createProducer, memorySequenceCounter } from '../../../lib/producer/index.ts';
import { fakeFifoQueue } from './fake-fifo-queue.ts';

const FIFO_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/orders.fifo';
const sqs = mockClient(SQSClient);
beforeEach(() => sqs.reset());

describe('sequence numbers are a function of the message id', () => {
  it('a resend of the same ids (a relay retried after a crash) keeps their numbers; the next id follows them', async () => {
    fakeFifoQueue(sqs);
    const producer = createProducer({
      queueUrl: FIFO_URL,
      client: new SQSClient({}),
      metrics: false,
      sequence: memorySequenceCounter(),
    });
    const e = (n: number) => ({ id: `e${n}`, orderingKey: 'k', body: `e${n}` });
    const first = await producer.send([e(1), e(2)]);
    const retried = await producer.send([e(1), e(2)]);
    const next = await producer.send([e(3)]);
    const numbers = (result: typeof first) => result.sent.map((s) => [s.id, s.sequence]);
    expect(numbers(first)).toEqual([
      ['e1', 1],
      ['e2', 2],
    ]);
    expect(numbers(retried)).toEqual([
      ['e1', 1],
      ['e2', 2],
    ]);
    expect(numbers(next)).toEqual([['e3', 3]]);
  });
});
