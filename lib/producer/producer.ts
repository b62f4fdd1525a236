import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { appendTo } from '../collections.ts';
import { ConfigurationError } from '../errors.ts';
import { MetricName, queueNameOf } from '../metrics/names.ts';
import { createReliabilityMetrics, type ReliabilityMetrics } from '../metrics/reliability-metrics.ts';
import { SendFailedError, type SendFailure } from './errors.ts';
import { type OutgoingMessage, type PreparedMessage, prepareMessage, toBatches } from './message.ts';
import type { SequenceCounter } from './sequence-counter.ts';

export type ProducerOptions = {
  queueUrl: string;
  /** @default new SQSClient({}) — with SDK retries off in at-most-once mode */
  client?: SQSClient;
  /** `'at-least-once'` retries what SQS rejected; `'at-most-once'` tries once. @default 'at-least-once' */
  mode?: 'at-least-once' | 'at-most-once';
  /** Reject the call when any message was not sent (the error lists them). @default true */
  throwOnFailure?: boolean;
  /** Retry bounds (at-least-once). @default { maxAttempts: 6, baseDelayMs: 50, maxDelayMs: 2_000, maxElapsedMs: 10_000 } */
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

// An SDK error SQS blames on the request (invalid parameter, missing queue, access denied) will
// fail again; throttling and server errors may not.
const isPermanent = (error: unknown) => {
  const e = error as { $fault?: string; name?: string };
  return e.$fault === 'client' && !/Throttl|TooManyRequests|RequestTimeout/i.test(e.name ?? '');
};

/**
 * A producer that never loses a message silently: it batches up to 10 entries per
 * `SendMessageBatch` within SQS's size limits, retries every entry SQS failed (the call can
 * succeed while entries fail) with exponential backoff and full jitter, and reports — or
 * throws — whatever it finally could not send. On FIFO queues the ordering key becomes the
 * message group and the message id the deduplication id, so a retry is never delivered twice.
 *
 * @example
 * const producer = createProducer({ queueUrl: process.env.ORDERS_QUEUE_URL! });
 * await producer.send({ id: order.id, orderingKey: order.customerId, body: order });
 */
export const createProducer = (options: ProducerOptions): Producer => {
  if (!options?.queueUrl || !/^https?:\/\//.test(options.queueUrl)) {
    throw new ConfigurationError(
      `createProducer: \`queueUrl\` must be a queue URL, received ${JSON.stringify(options?.queueUrl)}.`,
    );
  }
  const mode = options.mode ?? producerDefaults.mode;
  if (mode !== 'at-least-once' && mode !== 'at-most-once') {
    throw new ConfigurationError(
      `createProducer: \`mode\` must be 'at-least-once' | 'at-most-once', received ${JSON.stringify(mode)}.`,
    );
  }
  const retry = { ...producerDefaults.retry, ...options.retry };
  const maxAttempts = mode === 'at-most-once' ? 1 : retry.maxAttempts;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new ConfigurationError(
      `createProducer: \`retry.maxAttempts\` must be an integer ≥ 1, received ${maxAttempts}.`,
    );
  }
  const client = options.client ?? new SQSClient(mode === 'at-most-once' ? { maxAttempts: 1 } : {});
  const { queueUrl } = options;
  const fifo = queueUrl.endsWith('.fifo');
  const queue = queueNameOf(queueUrl);
  const ownMetrics = options.metrics === undefined;
  const metrics = options.metrics === false ? undefined : (options.metrics ?? createReliabilityMetrics());
  const random = options.random ?? Math.random;

  const numbered = async (messages: readonly OutgoingMessage[]) => {
    const sequences = new Map<OutgoingMessage, number>();
    if (!options.sequence) return sequences;
    const byKey = new Map<string, OutgoingMessage[]>();
    for (const message of messages) {
      if (message.sequence !== undefined) sequences.set(message, message.sequence);
      else appendTo(byKey, message.orderingKey ?? '', message);
    }
    for (const [key, group] of byKey) {
      const first = await options.sequence.reserve(key, group.length);
      for (const [i, message] of group.entries()) sequences.set(message, first + i);
    }
    return sequences;
  };

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
    const sequences = await numbered(messages);
    let pending: PreparedMessage[] = messages.map((message, i) =>
      sequences.has(message)
        ? prepareMessage({ ...message, id: unnumbered[i]!.id }, fifo, sequences.get(message))
        : unnumbered[i]!,
    );
    const sequenceOf = new Map(pending.map((p, i) => [p.id, sequences.get(messages[i]!)]));
    const sent: SendResult['sent'] = [];
    const failed: SendFailure[] = [];
    const started = Date.now();

    for (let attempt = 1; pending.length > 0; attempt++) {
      const retryable: PreparedMessage[] = [];
      const lastErrors = new Map<string, SendFailure>();
      for (const batch of toBatches(pending)) {
        try {
          const response = await client.send(
            new SendMessageBatchCommand({
              QueueUrl: queueUrl,
              Entries: batch.map((m, i) => ({ Id: String(i), ...m.entry })),
            }),
          );
          for (const ok of response.Successful ?? []) {
            const message = batch[Number(ok.Id)]!;
            sent.push({
              id: message.id,
              messageId: ok.MessageId ?? '',
              ...(sequenceOf.get(message.id) === undefined ? {} : { sequence: sequenceOf.get(message.id)! }),
            });
          }
          for (const entry of response.Failed ?? []) {
            const message = batch[Number(entry.Id)]!;
            const failure = {
              id: message.id,
              code: entry.Code ?? 'Unknown',
              reason: entry.Message ?? '',
              senderFault: entry.SenderFault === true,
            };
            if (failure.senderFault) failed.push(failure);
            else {
              retryable.push(message);
              lastErrors.set(message.id, failure);
            }
          }
        } catch (error) {
          const e = error as Error;
          for (const message of batch) {
            const failure = {
              id: message.id,
              code: e.name,
              reason: e.message,
              senderFault: isPermanent(error),
            };
            if (failure.senderFault) failed.push(failure);
            else {
              retryable.push(message);
              lastErrors.set(message.id, failure);
            }
          }
        }
      }
      const elapsed = Date.now() - started;
      // Full jitter: a random wait up to the exponential bound, so retrying producers spread out.
      const delay = random() * Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1));
      if (retryable.length > 0 && (attempt >= maxAttempts || elapsed + delay > retry.maxElapsedMs)) {
        failed.push(...retryable.map((m) => lastErrors.get(m.id)!));
        break;
      }
      pending = retryable;
      if (pending.length > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    }

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
