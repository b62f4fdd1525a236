import { describe, expect, it } from 'vitest';
import { replayIdOf, toDeadLetter } from '../../../lib/dlq/dead-letter-message.ts';
import { deadLetterStats } from '../../../lib/dlq/index.ts';
import { DeadLetterAttribute } from '../../../lib/sqs/dead-letter.ts';

const text = (StringValue: string) => ({ DataType: 'String', StringValue });

describe('toDeadLetter', () => {
  it("reads the source from SQS's DeadLetterQueueSourceArn when sqsBatch recorded none", () => {
    // The shape AWS returns for a message its redrive moved (ReceiveMessage, MessageSystemAttributeNames All):
    // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ReceiveMessage.html
    const letter = toDeadLetter({
      MessageId: 'm1',
      ReceiptHandle: 'h1',
      Body: '{}',
      Attributes: {
        DeadLetterQueueSourceArn: 'arn:aws:sqs:eu-west-1:123456789012:orders.fifo',
        MessageGroupId: 'g',
        ApproximateReceiveCount: '6',
        SentTimestamp: '1700000000000',
      },
    });
    expect(letter).toMatchObject({
      source: { queue: 'orders.fifo', recordedBy: 'sqs' },
      groupId: 'g',
      receiveCount: 6,
      sentAt: 1_700_000_000_000,
    });
    expect(letter.error).toBeUndefined();
    expect(replayIdOf(letter)).toBe('m1');
  });

  it('prefers what sqsBatch recorded, drops our attributes and keeps the others', () => {
    const letter = toDeadLetter({
      MessageId: 'm2',
      Body: '{}',
      MessageAttributes: {
        key: text('customer-1'),
        [DeadLetterAttribute.ErrorName]: text('MessageValidationError'),
        [DeadLetterAttribute.ErrorMessage]: text('bad amount'),
        [DeadLetterAttribute.SourceQueue]: text('orders'),
        [DeadLetterAttribute.SourceMessageId]: text('src-1'),
      },
      Attributes: { DeadLetterQueueSourceArn: 'arn:aws:sqs:eu-west-1:123456789012:other' },
    });
    expect(letter.attributes).toEqual({ key: text('customer-1') });
    expect(letter.source).toEqual({ queue: 'orders', messageId: 'src-1', recordedBy: 'reliable-events' });
    expect(letter.error).toEqual({ name: 'MessageValidationError', message: 'bad amount' });
    expect(replayIdOf(letter)).toBe('src-1');
  });

  it('unpacks original attributes packed as JSON, binary values included', () => {
    const letter = toDeadLetter({
      MessageId: 'm3',
      Body: '{}',
      MessageAttributes: {
        [DeadLetterAttribute.OriginalAttributes]: text(
          JSON.stringify({
            a: { stringValue: 'x', dataType: 'String' },
            b: { binaryValue: Buffer.from('hi').toString('base64'), dataType: 'Binary' },
          }),
        ),
        [DeadLetterAttribute.SourceQueue]: text('orders'),
      },
    });
    expect(letter.attributes).toEqual({
      a: { DataType: 'String', StringValue: 'x' },
      b: { DataType: 'Binary', BinaryValue: Buffer.from('hi') },
    });
  });
});

describe('deadLetterStats', () => {
  it('counts by source, error and group, most first, and ages the oldest', () => {
    const now = 1_700_000_100_000;
    const at = (sentAt: number, queue: string, group?: string, error?: string) => ({
      messageId: String(sentAt),
      receiptHandle: '',
      body: '',
      attributes: {},
      sentAt,
      receiveCount: 1,
      source: { queue, recordedBy: 'reliable-events' as const },
      ...(group ? { groupId: group } : {}),
      ...(error ? { error: { name: error, message: '' } } : {}),
    });
    const stats = deadLetterStats(
      [at(now - 90_000, 'a', 'g1', 'E'), at(now - 5_000, 'b', 'g1'), at(now - 1_000, 'b', 'g2', 'E')],
      now,
    );
    expect(stats).toEqual({
      messages: 3,
      bySource: { b: 2, a: 1 },
      byError: { E: 2, '(redrive)': 1 },
      byGroup: { g1: 2, g2: 1 },
      oldestAgeSeconds: 90,
    });
    expect(deadLetterStats([], now)).toEqual({ messages: 0, bySource: {}, byError: {}, byGroup: {} });
  });
});
