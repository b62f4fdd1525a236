import type { SQSClient } from '@aws-sdk/client-sqs';
import { appendTo } from '../collections.ts';
import { ConfigurationError } from '../errors.ts';
import { MetricName, queueNameOf } from '../metrics/names.ts';
import { createReliabilityMetrics, type ReliabilityMetrics } from '../metrics/reliability-metrics.ts';
import { lazySqsClient } from '../sqs-sdk.ts';
import { deliver } from './deliver.ts';
import { SendFailedError, type SendFailure } from './errors.ts';
import { type OutgoingMessage, type PreparedMessage, prepareMessage } from './message.ts';
import { validateProducerOptions } from './options.ts';
import { batchSender } from './send-batch.ts';
import type { SequenceCounter } from './sequence-counter.ts';
import { unorderedRetries } from './unordered-retries.ts';

export type ProducerOptions = {
  queueUrl: string;
  /** @default new SQSClient({}) — with SDK retries off in at-most-once mode */
  client?: SQSClient;
  /** `'at-least-once'` retries what SQS rejected; `'at-most-once'` tries once. @default 'at-least-once' */
  mode?: 'at-least-once' | 'at-most-once';
  /** Reject the call when any message was not sent (the error lists them). @default true */
  throwOnFailure?: boolean;
  /**
   * Retry bounds (at-least-once), per message: its attempts, and how long it is retried from its
   * first try. @default { maxAttempts: 6, baseDelayMs: 50, maxDelayMs: 2_000, maxElapsedMs: 10_000 }
   */
  retry?: { maxAttempts?: number; baseDelayMs?: number; maxDelayMs?: number; maxElapsedMs?: number };
  /** Stamps each message with the next number of its ordering key. */
  sequence?: SequenceCounter;
  /** @default createReliabilityMetrics(), flushed after each send; `false` for none */
  metrics?: ReliabilityMetrics | false;
  /** For tests. @default Math.random */
  random?: () => number;
};

export type SendResult = {
  sent: { id: string; messageId: string; sequence?: number }[];
  failed: SendFailure[];
};

export type Producer = {
  send(messages: OutgoingMessage | readonly OutgoingMessage[]): Promise<SendResult>;
  readonly queueUrl: string;
  readonly fifo: boolean;
};

export const producerDefaults = {
  mode: 'at-least-once',
  throwOnFailure: true,
  retry: { maxAttempts: 6, baseDelayMs: 50, maxDelayMs: 2_000, maxElapsedMs: 10_000 },
} as const;

/**
 * A producer that never loses a message silently: it batches up to 10 entries per
 * `SendMessageBatch` within SQS's size limits, retries every entry SQS failed (the call can
 * succeed while entries fail) with exponential backoff and full jitter, and reports — or
 * throws — whatever it finally could not send. On FIFO queues the ordering key becomes the
 * message group and the message id the deduplication id, so a retry is never delivered twice;
 * and a key's messages go one at a time (a call carries up to 10 keys), a later one only once
 * the one before it was accepted, so a retry never lands behind its successors. When it gives
 * up on a message, the later messages of its key are reported not sent
 * (`code: 'PrecedingMessageNotSent'`); other keys are not held back. Order holds within a
 * `send`: concurrent `send` calls with messages of one key keep no order between them.
 *
 * @example
 * const producer = createProducer({ queueUrl: process.env.ORDERS_QUEUE_URL! });
 * await producer.send({ id: order.id, orderingKey: order.customerId, body: order });
 */
export const createProducer = (options: ProducerOptions): Producer => {
  validateProducerOptions(options);
  const mode = options.mode ?? producerDefaults.mode;
  const retry = { ...producerDefaults.retry, ...options.retry };
  const maxAttempts = mode === 'at-most-once' ? 1 : retry.maxAttempts;
  const client = lazySqsClient(options.client, mode === 'at-most-once' ? { maxAttempts: 1 } : {});
  const { queueUrl } = options;
  const fifo = queueUrl.endsWith('.fifo');
  const queue = queueNameOf(queueUrl);
  const ownMetrics = options.metrics === undefined;
  const metrics = options.metrics === false ? undefined : (options.metrics ?? createReliabilityMetrics());
  const random = options.random ?? Math.random;
  const unordered = unorderedRetries(options);

  const numbered = async (messages: readonly { message: OutgoingMessage; id: string }[]) => {
    const sequences = new Map<OutgoingMessage, number>();
    const counter = options.sequence;
    if (!counter) return sequences;
    const byKey = new Map<string, { message: OutgoingMessage; id: string }[]>();
    for (const entry of messages) {
      if (entry.message.sequence !== undefined) sequences.set(entry.message, entry.message.sequence);
      else appendTo(byKey, entry.message.orderingKey ?? '', entry);
    }
    // A number belongs to the message id: a resend of the same id (a relay retried after a
    // crash, a caller retrying a SendFailedError) gets the number it had, so no gap opens.
    await Promise.all(
      [...byKey].map(async ([key, group]) => {
        const numbers = await counter.assign(
          key,
          group.map(({ id }) => id),
        );
        for (const [i, { message }] of group.entries()) sequences.set(message, numbers[i]!);
      }),
    );
    return sequences;
  };

  const sendBatch = batchSender(client, queueUrl);

  const send = async (input: OutgoingMessage | readonly OutgoingMessage[]): Promise<SendResult> => {
    const messages = Array.isArray(input)
      ? (input as readonly OutgoingMessage[])
      : [input as OutgoingMessage];
    // Validate everything before sending anything: a bad message rejects the call whole.
    const ids = new Set<string>();
    // With a counter, validate as if numbered (largest number), so the check is complete before any is reserved.
    const placeholder = (message: OutgoingMessage) =>
      options.sequence ? (message.sequence ?? Number.MAX_SAFE_INTEGER) : message.sequence;
    const unnumbered = messages.map((message) => prepareMessage(message, fifo, placeholder(message)));
    for (const { id } of unnumbered) {
      if (ids.has(id))
        throw new ConfigurationError(
          `send: two messages share the id ${id}; ids must be unique within a call.`,
        );
      ids.add(id);
    }
    const sequences = await numbered(messages.map((message, i) => ({ message, id: unnumbered[i]!.id })));
    const pending: PreparedMessage[] = messages.map((message, i) =>
      sequences.has(message)
        ? prepareMessage({ ...message, id: unnumbered[i]!.id }, fifo, sequences.get(message))
        : unnumbered[i]!,
    );
    const sequenceOf = new Map(pending.map((p, i) => [p.id, sequences.get(messages[i]!)]));
    const delivered = await deliver(pending, {
      sendBatch,
      // FIFO: a lane per ordering key (SQS keeps order per message group); standard queues keep
      // no order, so each message goes on its own.
      laneOf: (message) => (fifo && !unordered ? message.entry.MessageGroupId : undefined),
      maxAttempts,
      retry,
      random,
    });
    const sent: SendResult['sent'] = delivered.sent.map(({ message, messageId }) => ({
      id: message.id,
      messageId,
      ...(sequenceOf.get(message.id) === undefined ? {} : { sequence: sequenceOf.get(message.id)! }),
    }));
    const { failed } = delivered;

    if (metrics) {
      if (sent.length > 0) metrics.count(MetricName.MessagesSent, queue, sent.length);
      if (failed.length > 0) metrics.count(MetricName.SendFailures, queue, failed.length);
      if (ownMetrics) metrics.flush();
    }
    if (failed.length > 0 && (options.throwOnFailure ?? producerDefaults.throwOnFailure))
      throw new SendFailedError(failed, sent);
    return { sent, failed };
  };

  return { send, queueUrl, fifo };
};
