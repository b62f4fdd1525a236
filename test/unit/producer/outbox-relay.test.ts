import { SQSClient } from '@aws-sdk/client-sqs';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createProducer, outbox, outboxRelay, type ProducerOptions } from '../../../lib/producer/index.ts';
import { withUnorderedRetries } from '../../../lib/producer/unordered-retries.ts';
import { captureLogger } from '../../support/sqs-events.ts';
import { fakeFifoQueue } from './fake-fifo-queue.ts';

const sqs = mockClient(SQSClient);
beforeEach(() => sqs.reset());
const box = outbox({ tableName: 'outbox' });
const streamEvent = (ids: [string, string][]): DynamoDBStreamEvent => ({
  Records: ids.map(([id, key], i) => ({
    eventName: 'INSERT',
    eventSourceARN: 'arn:aws:dynamodb:us-east-1:123456789012:table/outbox/stream/1',
    dynamodb: {
      SequenceNumber: String(100 + i),
      NewImage: marshall(box.write({ id, orderingKey: key, body: id }).Put.Item) as never,
    },
  })),
});
const relayWith = (wrap: (options: ProducerOptions) => ProducerOptions) =>
  outboxRelay({
    producer: createProducer(
      wrap({
        queueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/events.fifo',
        client: new SQSClient({}),
        metrics: false,
        random: () => 0,
        retry: { maxAttempts: 2 },
      }),
    ),
    markSent: false,
    metrics: false,
    logger: captureLogger().logger,
  });

describe('outboxRelay after a final failure', () => {
  it('sends no later entry of the failed key: the stream retries both, in order; other keys go on', async () => {
    const queue = fakeFifoQueue(sqs, { failEntry: (body) => (body === 'a-1' ? 'retryable' : false) });
    const response = await relayWith((o) => o)(
      streamEvent([
        ['a-1', 'a'],
        ['a-2', 'a'],
        ['b-1', 'b'],
      ]),
    );
    expect(queue.group('a')).toEqual([]);
    expect(queue.group('b')).toEqual(['b-1']);
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['100', '101']);
  });

  it('with the old retries (the mutation) a-2 is enqueued before a-1 ever is: the check above can fail', async () => {
    const queue = fakeFifoQueue(sqs, { failEntry: (body) => (body === 'a-1' ? 'retryable' : false) });
    await relayWith(withUnorderedRetries)(
      streamEvent([
        ['a-1', 'a'],
        ['a-2', 'a'],
      ]),
    );
    expect(queue.group('a')).toEqual(['a-2']);
  });
});
