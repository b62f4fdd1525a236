import type { Message, MessageAttributeValue } from '@aws-sdk/client-sqs';
import { DeadLetterAttribute, type IdempotencyRecordRef } from '../sqs/dead-letter.ts';

/** A message read from a dead-letter queue, with what `sqsBatch` (or SQS's redrive) recorded about it. */
export type DeadLetter = {
  /** The message id in the dead-letter queue. */
  messageId: string;
  receiptHandle: string;
  body: string;
  /** The attributes to send it back with: the originals (unpacked), without ours. */
  attributes: Record<string, MessageAttributeValue>;
  /** The error `sqsBatch` recorded; undefined when SQS's own redrive moved it. */
  error?: { name: string; message: string };
  /**
   * Where it came from: the queue name `sqsBatch` recorded, else the queue of SQS's
   * `DeadLetterQueueSourceArn` system attribute; undefined when neither is there.
   */
  source?: { queue: string; messageId?: string; recordedBy: 'reliable-events' | 'sqs' };
  /** Where the consumer keeps the message's idempotency record (`sqsBatch` with `dynamoDBStore`); undefined when not recorded. */
  idempotency?: IdempotencyRecordRef;
  groupId?: string;
  deduplicationId?: string;
  sequenceNumber?: string;
  receiveCount: number;
  /** When it was sent to the dead-letter queue (epoch ms). */
  sentAt: number;
};

type LambdaAttribute = { dataType?: string; stringValue?: string; binaryValue?: string };

const OURS = new Set<string>([
  DeadLetterAttribute.ErrorName,
  DeadLetterAttribute.ErrorMessage,
  DeadLetterAttribute.SourceMessageId,
  DeadLetterAttribute.SourceQueue,
  DeadLetterAttribute.OriginalAttributes,
  DeadLetterAttribute.IdempotencyRecord,
]);

// Recorded by dead-letter.ts as JSON { table, pk }; anything else is not ours to trust.
const recordRefOf = (json: string | undefined): IdempotencyRecordRef | undefined => {
  if (!json) return undefined;
  try {
    const { table, pk } = JSON.parse(json) as Partial<IdempotencyRecordRef>;
    return typeof table === 'string' && table && typeof pk === 'string' && pk ? { table, pk } : undefined;
  } catch {
    return undefined;
  }
};

// dead-letter.ts packs the originals in Lambda's record shape (binary values base64) when they and
// ours exceed SQS's 10 attributes; they go back in the SDK's shape.
const unpack = (json: string): Record<string, MessageAttributeValue> => {
  const packed = JSON.parse(json) as Record<string, LambdaAttribute>;
  return Object.fromEntries(
    Object.entries(packed).map(([name, value]) => [
      name,
      {
        DataType: value.dataType ?? 'String',
        ...(value.stringValue === undefined ? {} : { StringValue: value.stringValue }),
        ...(value.binaryValue === undefined ? {} : { BinaryValue: Buffer.from(value.binaryValue, 'base64') }),
      },
    ]),
  );
};

// arn:aws:sqs:region:account:name
const queueNameOfArn = (arn: string) => arn.split(':').at(-1) ?? arn;

/** Reads what a received dead-letter message carries into a `DeadLetter`. */
export const toDeadLetter = (message: Message): DeadLetter => {
  const all = message.MessageAttributes ?? {};
  const ours = (name: string) => all[name]?.StringValue;
  const packed = ours(DeadLetterAttribute.OriginalAttributes);
  const attributes = packed
    ? unpack(packed)
    : Object.fromEntries(Object.entries(all).filter(([name]) => !OURS.has(name)));
  const system = message.Attributes ?? {};
  const errorName = ours(DeadLetterAttribute.ErrorName);
  const sourceQueue = ours(DeadLetterAttribute.SourceQueue);
  const sqsSource = system.DeadLetterQueueSourceArn;
  const sourceMessageId = ours(DeadLetterAttribute.SourceMessageId);
  const idempotency = recordRefOf(ours(DeadLetterAttribute.IdempotencyRecord));
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes,
    ...(errorName === undefined
      ? {}
      : { error: { name: errorName, message: ours(DeadLetterAttribute.ErrorMessage) ?? '' } }),
    ...(sourceQueue
      ? {
          source: {
            queue: sourceQueue,
            recordedBy: 'reliable-events' as const,
            ...(sourceMessageId ? { messageId: sourceMessageId } : {}),
          },
        }
      : sqsSource
        ? { source: { queue: queueNameOfArn(sqsSource), recordedBy: 'sqs' as const } }
        : {}),
    ...(idempotency ? { idempotency } : {}),
    ...(system.MessageGroupId ? { groupId: system.MessageGroupId } : {}),
    ...(system.MessageDeduplicationId ? { deduplicationId: system.MessageDeduplicationId } : {}),
    ...(system.SequenceNumber ? { sequenceNumber: system.SequenceNumber } : {}),
    receiveCount: Number(system.ApproximateReceiveCount ?? 0),
    sentAt: Number(system.SentTimestamp ?? 0),
  };
};

/**
 * The id a replay of this message is known by on every run: the source message id `sqsBatch`
 * recorded (so two copies of one source message in the DLQ replay once), else the DLQ message id,
 * which SQS keeps across receives.
 */
export const replayIdOf = (letter: DeadLetter): string => letter.source?.messageId ?? letter.messageId;
