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
} as const;

// SQS accepts at most 10 message attributes per message.
// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-message-metadata.html
const MAX_ATTRIBUTES = 10;
const MAX_ERROR_MESSAGE = 1024;

const toSendAttribute = (value: SQSMessageAttributes[string]): MessageAttributeValue => ({
  DataType: value.dataType,
  ...(value.stringValue === undefined ? {} : { StringValue: value.stringValue }),
  ...(value.binaryValue === undefined ? {} : { BinaryValue: Buffer.from(value.binaryValue, 'base64') }),
});

const text = (StringValue: string): MessageAttributeValue => ({ DataType: 'String', StringValue });

/**
 * Sends the original body and attributes of a record to `queueUrl`, with the error's name
 * and message and the source message id as attributes. On a FIFO dead-letter queue the copy
 * keeps its group and is deduplicated by the source message id, so a retried send is harmless.
 */
export const sendToDeadLetterQueue = async (
  client: SQSClient,
  queueUrl: string,
  record: SQSRecord,
  error: unknown,
  sourceQueue: string,
): Promise<void> => {
  const failure = error instanceof Error ? error : new Error(String(error));
  const ours: Record<string, MessageAttributeValue> = {
    [DeadLetterAttribute.ErrorName]: text(failure.name),
    [DeadLetterAttribute.ErrorMessage]: text(failure.message.slice(0, MAX_ERROR_MESSAGE) || '(empty)'),
    [DeadLetterAttribute.SourceMessageId]: text(record.messageId),
    [DeadLetterAttribute.SourceQueue]: text(sourceQueue),
  };
  const original = record.messageAttributes ?? {};
  const originalCount = Object.keys(original).length;
  const attributes =
    originalCount + Object.keys(ours).length <= MAX_ATTRIBUTES
      ? {
          ...Object.fromEntries(
            Object.entries(original).map(([name, value]) => [name, toSendAttribute(value)]),
          ),
          ...ours,
        }
      : { ...ours, [DeadLetterAttribute.OriginalAttributes]: text(JSON.stringify(original)) };
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
