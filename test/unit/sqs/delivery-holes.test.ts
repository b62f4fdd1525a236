import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../lib/errors.ts';
import { memoryStore } from '../../../lib/idempotency/index.ts';
import { createReliabilityMetrics, memorySink } from '../../../lib/metrics/index.ts';
import { sqsBatch } from '../../../lib/sqs/index.ts';
import { captureLogger, failedIds, lambdaContext, sqsEvent, sqsRecord } from '../../support/sqs-events.ts';

const DLQ = 'https://sqs.us-east-1.amazonaws.com/123456789012/orders-dlq';
const sqs = mockClient(SQSClient);
beforeEach(() => {
  sqs.reset();
  sqs.on(SendMessageCommand).resolves({ MessageId: 'dlq-1' });
});

describe('at-most-once with a dead-letter queue', () => {
  it('a record whose DLQ send failed is dead-lettered on its redelivery, not skipped as a duplicate', async () => {
    sqs.on(SendMessageCommand).rejectsOnce(new Error('SQS unavailable')).resolves({ MessageId: 'dlq-1' });
    const sink = memorySink();
    let runs = 0;
    const handler = sqsBatch(
      async () => {
        runs++;
        throw new Error('card declined');
      },
      {
        idempotency: { store: memoryStore(), key: (m) => m.messageId, mode: 'at-most-once' },
        deadLetterQueueUrl: DLQ,
        sqsClient: new SQSClient({}),
        metrics: createReliabilityMetrics({ sink }),
        logger: captureLogger().logger,
      },
    );
    const record = sqsRecord('m1', { id: 'o1' });
    expect(failedIds(await handler(sqsEvent(record), lambdaContext()))).toEqual(['m1']);
    expect(failedIds(await handler(sqsEvent(record), lambdaContext()))).toEqual([]);
    expect(runs).toBe(1);
    const sends = sqs.commandCalls(SendMessageCommand);
    expect(sends).toHaveLength(2);
    expect(sends[1]?.args[0].input.MessageAttributes?.['reliable-events.error-message']?.StringValue).toBe(
      'card declined',
    );
    expect(sink.totals()).toMatchObject({
      MessagesFailed: 1,
      MessagesDeadLettered: 1,
      DuplicatesSuppressed: 0,
    });
  });
});

describe('the dead-letter queue from the environment', () => {
  const saved = process.env.DEAD_LETTER_QUEUE_URL;
  afterEach(() => {
    if (saved === undefined) delete process.env.DEAD_LETTER_QUEUE_URL;
    else process.env.DEAD_LETTER_QUEUE_URL = saved;
  });

  it('sqsBatch reads DEAD_LETTER_QUEUE_URL (what ReliableConsumer sets) when deadLetterQueueUrl is not given', async () => {
    process.env.DEAD_LETTER_QUEUE_URL = DLQ;
    const handler = sqsBatch(async () => {}, {
      sqsClient: new SQSClient({}),
      metrics: false,
      logger: captureLogger().logger,
    });
    const response = await handler(sqsEvent(sqsRecord('bad', 'not json', { raw: true })), lambdaContext());
    expect(failedIds(response)).toEqual([]);
    expect(sqs.commandCalls(SendMessageCommand)[0]?.args[0].input.QueueUrl).toBe(DLQ);
  });

  it('an explicit deadLetterQueueUrl wins, and a malformed variable is a ConfigurationError naming it', () => {
    process.env.DEAD_LETTER_QUEUE_URL = 'orders-dlq';
    expect(() => sqsBatch(async () => {})).toThrow(ConfigurationError);
    expect(() => sqsBatch(async () => {})).toThrow(/DEAD_LETTER_QUEUE_URL/);
    expect(() => sqsBatch(async () => {}, { deadLetterQueueUrl: DLQ })).not.toThrow();
  });
});

describe('an event that is not from SQS', () => {
  const handler = sqsBatch(async () => {}, { metrics: false, logger: captureLogger().logger });

  it.each([
    [
      'a DynamoDB stream',
      { Records: [{ eventSource: 'aws:dynamodb', eventName: 'INSERT', dynamodb: {} }] },
      /DynamoDB stream/,
    ],
    ['SNS', { Records: [{ EventSource: 'aws:sns', Sns: { Message: '{}' } }] }, /SNS.*subscribe an SQS queue/],
    ['Kinesis', { Records: [{ eventSource: 'aws:kinesis', kinesis: { data: '' } }] }, /Kinesis/],
    ['S3', { Records: [{ eventSource: 'aws:s3', s3: {} }] }, /S3/],
  ])('%s is a ConfigurationError naming the source and what to wire', async (_name, event, message) => {
    await expect(handler(event as never)).rejects.toThrow(ConfigurationError);
    await expect(handler(event as never)).rejects.toThrow(message);
    await expect(handler(event as never)).rejects.toThrow(/wire/);
  });
});
