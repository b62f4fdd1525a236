import type { MessageAttributeValue, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import { loadSqsSdk } from '../sqs-sdk.ts';

/** Attribute names under which the dead-lettered copy carries why it was dead-lettered. */
export const DeadLetterAttribute = {
  ErrorName: 'reliable-events.error-name',
  ErrorMessage: 'reliable-events.error-message',
  SourceMessageId: 'reliable-events.source-message-id',
  SourceQueue: 'reliable-events.source-queue',
  /** When the original attributes and ours exceed SQS's 10, the originals travel here as JSON. */
  OriginalAttributes: 'reliable-events.original-attributes',
  /** On a message `reliable-events dlq replay` sent back: the id of the message it replays. */
  ReplayOf: 'reliable-events.replay-of',
  /**
   * The idempotency record the consumer keeps for the message, as JSON `{ "table", "pk" }`: the
   * table and the exact partition key (scope included) `reliable-events dlq replay` looks up to
   * report a message the consumer already applied.
   */
  IdempotencyRecord: 'reliable-events.idempotency-record',
} as const;

/** Where a message's idempotency record lives: its table and exact partition key. */
export type IdempotencyRecordRef = { table: string; pk: string };

// SQS accepts at most 10 message attributes per message.
// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-message-metadata.html
const MAX_ATTRIBUTES = 10;
const MAX_ERROR_MESSAGE = 1024;
// The body and every attribute's name, type and value count toward a message's size; a queue's
// MaximumMessageSize is 262,144 bytes unless set higher (up to 1 MiB).
// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html
const MAX_MESSAGE_BYTES = 262_144;

const sizeOf = (body: string, attributes: Record<string, MessageAttributeValue>) =>
  Object.entries(attributes).reduce(
    (bytes, [name, value]) =>
      bytes +
      Buffer.byteLength(name) +
      Buffer.byteLength(value.DataType ?? '') +
      Buffer.byteLength(value.StringValue ?? '') +
      (value.BinaryValue?.byteLength ?? 0),
    Buffer.byteLength(body),
  );

const toSendAttribute = (value: SQSMessageAttributes[string]): MessageAttributeValue => ({
  DataType: value.dataType,
  ...(value.stringValue === undefined ? {} : { StringValue: value.stringValue }),
  ...(value.binaryValue === undefined ? {} : { BinaryValue: Buffer.from(value.binaryValue, 'base64') }),
});

const text = (StringValue: string): MessageAttributeValue => ({ DataType: 'String', StringValue });

/**
 * Sends the original body and attributes of a record to `queueUrl`, with the error's name
 * and message and the source message id as attributes, and where the consumer keeps the record's
 * idempotency record when it keeps one (`idempotency`; left out when it would make the message
 * larger than SQS's 256 KiB default). On a FIFO dead-letter queue the copy keeps its group and is
 * deduplicated by the source message id, so a retried send is harmless.
 */
export const sendToDeadLetterQueue = async (
  client: SQSClient,
  queueUrl: string,
  record: SQSRecord,
  error: unknown,
  sourceQueue: string,
  idempotency?: IdempotencyRecordRef,
): Promise<void> => {
  const failure = error instanceof Error ? error : new Error(String(error));
  const ours: Record<string, MessageAttributeValue> = {
    [DeadLetterAttribute.ErrorName]: text(failure.name),
    [DeadLetterAttribute.ErrorMessage]: text(failure.message.slice(0, MAX_ERROR_MESSAGE) || '(empty)'),
    [DeadLetterAttribute.SourceMessageId]: text(record.messageId),
    [DeadLetterAttribute.SourceQueue]: text(sourceQueue),
    ...(idempotency && {
      [DeadLetterAttribute.IdempotencyRecord]: text(
        JSON.stringify({ table: idempotency.table, pk: idempotency.pk }),
      ),
    }),
  };
  const original = record.messageAttributes ?? {};
  const originalCount = Object.keys(original).length;
  const withAll =
    originalCount + Object.keys(ours).length <= MAX_ATTRIBUTES
      ? {
          ...Object.fromEntries(
            Object.entries(original).map(([name, value]) => [name, toSendAttribute(value)]),
          ),
          ...ours,
        }
      : { ...ours, [DeadLetterAttribute.OriginalAttributes]: text(JSON.stringify(original)) };
  // The record's key is a convenience for the replay; the message itself must go through.
  const attributes =
    idempotency && sizeOf(record.body, withAll) > MAX_MESSAGE_BYTES
      ? Object.fromEntries(
          Object.entries(withAll).filter(([name]) => name !== DeadLetterAttribute.IdempotencyRecord),
        )
      : withAll;
  const fifo = queueUrl.endsWith('.fifo');
  const { SendMessageCommand } = await loadSqsSdk();
  await client.send(
    new SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: record.body,
      MessageAttributes: attributes,
      ...(fifo
        ? {
            MessageGroupId: record.attributes?.MessageGroupId ?? 'dead-letters',
            MessageDeduplicationId: record.messageId,
          }
        : {}),
    }),
  );
};
