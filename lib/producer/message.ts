import { createHash, randomUUID } from 'node:crypto';
import type { MessageAttributeValue, SendMessageBatchRequestEntry } from '@aws-sdk/client-sqs';
import { MessageRejectedError } from './errors.ts';

/** An attribute value: a string, a number, binary data, or an SQS attribute as is. */
export type AttributeInput = string | number | Uint8Array | MessageAttributeValue;

/** A message to send. */
export type OutgoingMessage = {
  /** Strings are sent as they are; anything else as JSON. */
  body: unknown;
  /** Stable id: the FIFO deduplication id and the consumer's idempotency key. @default a random UUID */
  id?: string;
  /** FIFO: the message group (order is kept per key). Required on FIFO queues. */
  orderingKey?: string;
  attributes?: Record<string, AttributeInput>;
  /** Standard queues only (FIFO queues delay per queue). 0–900. */
  delaySeconds?: number;
  /** A caller-chosen sequence number (otherwise the producer's counter assigns one, when configured). */
  sequence?: number;
};

/** Attribute names the producer stamps for the consumer's sequence guard. */
export const ProducerAttribute = {
  Sequence: 'reliable-events.sequence',
  OrderingKey: 'reliable-events.ordering-key',
} as const;

// SQS limits, from https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html
// and https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-batch-api-actions.html :
// a message is at most 1 MiB (body and attributes together), a SendMessageBatch at most
// 10 entries and 1 MiB in all, a message at most 10 attributes.
export const MAX_MESSAGE_BYTES = 1_048_576;
export const MAX_BATCH_BYTES = 1_048_576;
export const MAX_BATCH_ENTRIES = 10;
const MAX_ATTRIBUTES = 10;
// A deduplication id is 1–128 characters of alphanumerics and punctuation.
const DEDUPLICATION_ID = /^[\w!"#$%&'()*+,\-./:;<=>?@[\\\]^`{|}~]{1,128}$/;

const toAttribute = (value: AttributeInput): MessageAttributeValue => {
  if (typeof value === 'string') return { DataType: 'String', StringValue: value };
  if (typeof value === 'number') return { DataType: 'Number', StringValue: String(value) };
  if (value instanceof Uint8Array) return { DataType: 'Binary', BinaryValue: value };
  return value;
};

const attributeBytes = (name: string, value: MessageAttributeValue) =>
  Buffer.byteLength(name) +
  Buffer.byteLength(value.DataType ?? '') +
  Buffer.byteLength(value.StringValue ?? '') +
  (value.BinaryValue?.byteLength ?? 0);

/** A message checked and turned into a batch entry (without its batch `Id`), with its size. */
export type PreparedMessage = { id: string; entry: Omit<SendMessageBatchRequestEntry, 'Id'>; bytes: number };

/**
 * Validates a message and builds its SQS entry. Throws `MessageRejectedError` for anything SQS
 * would refuse, so a bad message is caught before any message of the call is sent.
 */
export const prepareMessage = (
  message: OutgoingMessage,
  fifo: boolean,
  sequence?: number,
): PreparedMessage => {
  const id = message.id ?? randomUUID();
  const reject = (reason: string): never => {
    throw new MessageRejectedError(id, `Message ${id}: ${reason}`);
  };
  if (message.body === undefined) reject('has no body.');
  const body = typeof message.body === 'string' ? message.body : JSON.stringify(message.body);
  if (body.length === 0) reject('has an empty body; SQS needs at least one character.');

  const attributes: Record<string, MessageAttributeValue> = Object.fromEntries(
    Object.entries(message.attributes ?? {}).map(([name, value]) => [name, toAttribute(value)]),
  );
  if (sequence !== undefined) {
    attributes[ProducerAttribute.Sequence] = toAttribute(sequence);
    if (message.orderingKey !== undefined)
      attributes[ProducerAttribute.OrderingKey] = toAttribute(message.orderingKey);
  }
  if (Object.keys(attributes).length > MAX_ATTRIBUTES) {
    reject(
      `has ${Object.keys(attributes).length} attributes; SQS allows ${MAX_ATTRIBUTES} (the sequence option uses 2).`,
    );
  }
  const bytes =
    Buffer.byteLength(body) +
    Object.entries(attributes).reduce((sum, [name, value]) => sum + attributeBytes(name, value), 0);
  if (bytes > MAX_MESSAGE_BYTES) {
    reject(
      `is ${bytes} bytes with its attributes; SQS accepts at most ${MAX_MESSAGE_BYTES}. Store the payload elsewhere (S3) and send a reference.`,
    );
  }

  const entry: Omit<SendMessageBatchRequestEntry, 'Id'> = { MessageBody: body };
  if (Object.keys(attributes).length > 0) entry.MessageAttributes = attributes;
  if (fifo) {
    if (!message.orderingKey)
      reject('needs an `orderingKey` on a FIFO queue (it becomes the MessageGroupId).');
    if (message.delaySeconds !== undefined)
      reject('sets `delaySeconds`, which FIFO queues do not take per message.');
    entry.MessageGroupId = message.orderingKey;
    // Stable across retries, so SQS drops a resend within its 5-minute deduplication window.
    entry.MessageDeduplicationId = DEDUPLICATION_ID.test(id)
      ? id
      : createHash('sha256').update(id).digest('hex');
  } else if (message.delaySeconds !== undefined) {
    if (!Number.isInteger(message.delaySeconds) || message.delaySeconds < 0 || message.delaySeconds > 900) {
      reject(`has delaySeconds ${message.delaySeconds}; SQS accepts an integer from 0 to 900.`);
    }
    entry.DelaySeconds = message.delaySeconds;
  }
  return { id, entry, bytes };
};

/** Splits prepared messages into SendMessageBatch requests of at most 10 entries and 1 MiB. */
export const toBatches = (messages: readonly PreparedMessage[]): PreparedMessage[][] => {
  const batches: PreparedMessage[][] = [];
  let current: PreparedMessage[] = [];
  let bytes = 0;
  for (const message of messages) {
    if (current.length === MAX_BATCH_ENTRIES || bytes + message.bytes > MAX_BATCH_BYTES) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(message);
    bytes += message.bytes;
  }
  if (current.length > 0) batches.push(current);
  return batches;
};
