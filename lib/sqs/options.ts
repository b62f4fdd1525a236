import type { SQSClient } from '@aws-sdk/client-sqs';
import { ConfigurationError } from '../errors.ts';
import type { IdempotencyOptions } from '../idempotency/types.ts';
import type { StructuredLogger } from '../metrics/reliability-log.ts';
import type { ReliabilityMetrics } from '../metrics/reliability-metrics.ts';
import type { ParseOption, SqsMessage } from './message.ts';
import type { SequenceStore } from './sequence-store.ts';

export type SequenceGuardOptions<Body> = {
  /** The key whose messages are numbered 1, 2, 3… (e.g. the account id). */
  key: (message: SqsMessage<Body>) => string;
  /** The message's sequence number, an integer ≥ 1 (e.g. the producer's `sequence` attribute). */
  seq: (message: SqsMessage<Body>) => number;
  store: SequenceStore;
  /** How long after it was sent a record may wait for the gap before it counts lost. @default 900_000 (15 minutes) */
  holdForMs?: number;
  /** What to do with the record after a gap counted lost: process it, or dead-letter it. @default 'process' */
  onLost?: 'process' | 'dead-letter';
};

export type SqsBatchOptions<Body> = {
  /** @default 'json' */
  parse?: ParseOption<Body>;
  /** `'auto'`: FIFO when the source ARN ends in `.fifo` or records carry `MessageGroupId`. @default 'auto' */
  ordering?: 'auto' | 'fifo' | 'none';
  /** After a record fails: report the rest of its group (`'skip-group'`) or of the batch (`'stop-batch'`) without running them. @default 'skip-group' */
  onFailure?: 'skip-group' | 'stop-batch';
  /** Groups (FIFO) or records (standard) in flight at once. @default 10 */
  concurrency?: number;
  /** Per-record idempotency, on the engine of `makeIdempotent`. */
  idempotency?: IdempotencyOptions<SqsMessage<Body>>;
  /** Per-key sequence guard: ordering on standard queues and loss detection. */
  sequence?: SequenceGuardOptions<Body>;
  /** Where non-retryable records go. Without it they are reported failed, so the queue's redrive policy moves them. */
  deadLetterQueueUrl?: string;
  /** Client for `deadLetterQueueUrl`. @default new SQSClient({}) */
  sqsClient?: SQSClient;
  /**
   * Records not started when less than this remains of the invocation are reported failed; never
   * more than half of the time the invocation began with, so a short function timeout still works.
   * @default 5_000
   */
  timeGuardMs?: number;
  /** @default createReliabilityMetrics() (EMF on stdout); `false` to emit none */
  metrics?: ReliabilityMetrics | false;
  /** @default a Powertools Logger */
  logger?: StructuredLogger;
  /** Attach message bodies to failure logs. @default false */
  logBodies?: boolean;
};

/** Defaults of the optional options, quoted by their docs above. */
export const sqsBatchDefaults = {
  parse: 'json',
  ordering: 'auto',
  onFailure: 'skip-group',
  concurrency: 10,
  timeGuardMs: 5_000,
  holdForMs: 15 * 60_000,
  onLost: 'process',
} as const;

const fail = (option: string, expected: string, received: unknown): never => {
  throw new ConfigurationError(
    `sqsBatch: \`${option}\` must be ${expected}, received ${JSON.stringify(received) ?? String(received)}.`,
  );
};

/** Rejects a misconfiguration when the handler is built, not when the first record arrives. */
export const validateOptions = <Body>(handler: unknown, options: SqsBatchOptions<Body>): void => {
  if (typeof handler !== 'function')
    fail('recordHandler', 'a function (message, context) => result', typeof handler);
  const { parse, ordering, onFailure, concurrency, timeGuardMs, sequence, deadLetterQueueUrl } = options;
  if (
    parse !== undefined &&
    parse !== 'json' &&
    parse !== 'raw' &&
    typeof (parse as { '~standard'?: unknown })['~standard'] !== 'object'
  ) {
    fail('parse', "'json', 'raw' or a Standard Schema (zod, valibot…)", parse);
  }
  if (ordering !== undefined && !['auto', 'fifo', 'none'].includes(ordering))
    fail('ordering', "'auto' | 'fifo' | 'none'", ordering);
  if (onFailure !== undefined && !['skip-group', 'stop-batch'].includes(onFailure))
    fail('onFailure', "'skip-group' | 'stop-batch'", onFailure);
  if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1))
    fail('concurrency', 'an integer ≥ 1', concurrency);
  if (timeGuardMs !== undefined && (!Number.isFinite(timeGuardMs) || timeGuardMs < 0))
    fail('timeGuardMs', 'zero or more milliseconds', timeGuardMs);
  if (deadLetterQueueUrl !== undefined && !/^https?:\/\//.test(deadLetterQueueUrl))
    fail('deadLetterQueueUrl', 'a queue URL', deadLetterQueueUrl);
  if (sequence) {
    if (typeof sequence.key !== 'function')
      fail('sequence.key', 'a function (message) => string', typeof sequence.key);
    if (typeof sequence.seq !== 'function')
      fail('sequence.seq', 'a function (message) => number', typeof sequence.seq);
    if (typeof sequence.store?.last !== 'function')
      fail(
        'sequence.store',
        'a SequenceStore such as dynamoDBSequenceStore({ tableName })',
        typeof sequence.store,
      );
    if (sequence.holdForMs !== undefined && !(sequence.holdForMs >= 0))
      fail('sequence.holdForMs', 'zero or more milliseconds', sequence.holdForMs);
    if (sequence.onLost !== undefined && !['process', 'dead-letter'].includes(sequence.onLost)) {
      fail('sequence.onLost', "'process' | 'dead-letter'", sequence.onLost);
    }
  }
};
