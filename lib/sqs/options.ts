import type { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createIdempotencyEngine } from '../idempotency/engine.ts';
import { passThroughEngine } from '../idempotency/mode-at-least-once.ts';
import { idempotencyDefaults } from '../idempotency/options.ts';
import type { IdempotencyEngine } from '../idempotency/session.ts';
import type { DeliveryMode, IdempotencyOptions } from '../idempotency/types.ts';
import {
  createReliabilityLog,
  type ReliabilityLog,
  type StructuredLogger,
} from '../metrics/reliability-log.ts';
import { createReliabilityMetrics, type ReliabilityMetrics } from '../metrics/reliability-metrics.ts';
import { invalidOption } from '../options.ts';
import { lazySqsClient } from '../sqs-sdk.ts';
import { fenceOf, validateGroupCommit, validateGroupWindow } from './commit-options.ts';
import { DEAD_LETTER_QUEUE_URL_ENV } from './environment.ts';
import type { FenceTable } from './fence.ts';
import type { ParseOption, RecordHandler, SqsMessage } from './message.ts';
import { type ResolvedBackoff, type RetryBackoffOptions, resolveRetryBackoff } from './retry-backoff.ts';
import { createSequenceGuard, type SequenceGuard, type SequenceGuardOptions } from './sequence-guard.ts';
import type { WindowLimits } from './window-item.ts';

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
  /**
   * Group commit: the records of one group that run back to back commit in as few
   * `TransactWriteItems` as DynamoDB allows instead of one each. Needs `idempotency` in
   * `exactly-once` mode (committed optimistically: no lease) on `dynamoDBStore`, or in
   * `effect-conditional` mode, and a handler whose only effects are the writes it registers and
   * which reads nothing an earlier record of the same batch writes, except the items it writes
   * itself (docs/semantics.md, group commit). @default false
   */
  groupCommit?: boolean;
  /** Per-key sequence guard: ordering on standard queues and loss detection. */
  sequence?: SequenceGuardOptions<Body>;
  /**
   * The FIFO fence: one item per (queue, message group) holding the SequenceNumber of the group's
   * last committed record, moved in the same transaction as every commit and conditional on being
   * lower, so a late invocation's commit of a record after a later one of its group is cancelled
   * (`LateCommitFencedError`), never applied out of order (docs/semantics.md, the FIFO fence). On
   * for FIFO batches in `exactly-once` and `effect-conditional` mode, in the idempotency store's
   * table (`dynamoDBStore`), else the `IDEMPOTENCY_TABLE` environment variable's (which
   * `ReliableConsumer` sets), or `{ tableName }`; `false` turns it off.
   * @default the idempotency store's table, else process.env.IDEMPOTENCY_TABLE's, else off
   */
  fence?: false | FenceTable;
  /**
   * What a FIFO group does after the consumer dead-letters one of its records (poison, or a failure
   * on its last receive): `'continue'` with the next record, or `'park-group'`: the later records
   * of the group follow it to the dead-letter queue, in order, instead of being applied before
   * it, until `reliable-events dlq replay` replays the group, which releases it. Parking needs the
   * fence (its item holds the park, so a normal commit pays no extra request) and a dead-letter queue.
   * @default 'continue'
   */
  onDeadLetter?: 'continue' | 'park-group';
  /**
   * Where non-retryable records go. Without one they are reported failed, so the queue's redrive
   * policy moves them after `maxReceiveCount` receives.
   * @default process.env.DEAD_LETTER_QUEUE_URL (which ReliableConsumer sets to the queue's DLQ)
   */
  deadLetterQueueUrl?: string;
  /**
   * The visibility of the records the batch returns: at once for records never started, a short
   * doubling backoff for errors that clear by themselves, the queue's own timeout for the rest
   * (see `RetryBackoffOptions`); `false` leaves every one at the queue's visibility timeout.
   * @default on where the source queue's URL is known (`queueUrl`, or QUEUE_URL from ReliableConsumer)
   */
  retryBackoff?: false | RetryBackoffOptions;
  /** Client for `deadLetterQueueUrl` and the retry backoff. @default new SQSClient({}) */
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
  groupCommit: false,
  holdForMs: 15 * 60_000,
  onLost: 'process',
} as const;

const fail = (option: string, expected: string, received: unknown) =>
  invalidOption('sqsBatch', option, expected, received);

// ReliableConsumer passes its queue's redrive maxReceiveCount to the function.
const receiveCountFromEnvironment = () =>
  process.env.MAX_RECEIVE_COUNT ? Number(process.env.MAX_RECEIVE_COUNT) : undefined;

/** Rejects a misconfiguration when the handler is built, not when the first record arrives. */
const validateOptions = <Body>(handler: unknown, options: SqsBatchOptions<Body>): void => {
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
  const fromEnvironment = process.env[DEAD_LETTER_QUEUE_URL_ENV];
  if (deadLetterQueueUrl === undefined && fromEnvironment && !/^https?:\/\//.test(fromEnvironment))
    fail(
      'deadLetterQueueUrl',
      `a queue URL (it came from the environment variable ${DEAD_LETTER_QUEUE_URL_ENV})`,
      fromEnvironment,
    );
  if (options.groupCommit !== undefined) validateGroupCommit(options);
  if (options.idempotency?.record === 'group-window') validateGroupWindow(options);
  if (options.onDeadLetter !== undefined && !['continue', 'park-group'].includes(options.onDeadLetter))
    fail('onDeadLetter', "'continue' | 'park-group'", options.onDeadLetter);
  if (options.onDeadLetter === 'park-group') {
    if (!fenceOf(options).fence)
      fail(
        'onDeadLetter',
        "'park-group' with the fence: idempotency in exactly-once or effect-conditional mode and a fence table (a dynamoDBStore, IDEMPOTENCY_TABLE, or fence: { tableName })",
        'no fence',
      );
    if (!options.deadLetterQueueUrl && !process.env[DEAD_LETTER_QUEUE_URL_ENV])
      fail(
        'onDeadLetter',
        "'park-group' with a dead-letter queue (deadLetterQueueUrl or DEAD_LETTER_QUEUE_URL)",
        'none',
      );
  }
  if (
    options.fence !== undefined &&
    options.fence !== false &&
    (typeof options.fence !== 'object' ||
      typeof options.fence.tableName !== 'string' ||
      !options.fence.tableName)
  )
    fail(
      'fence',
      "false or { tableName } (a table keyed by the string 'pk', such as the idempotency table)",
      options.fence,
    );
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
    const maxReceiveCount = sequence.maxReceiveCount ?? receiveCountFromEnvironment();
    if (maxReceiveCount !== undefined && !(Number.isInteger(maxReceiveCount) && maxReceiveCount >= 2))
      fail(
        'sequence.maxReceiveCount',
        'an integer ≥ 2 (the redrive policy’s; with 1 a record could never be held)',
        maxReceiveCount,
      );
    if (sequence.onLost !== undefined && !['process', 'dead-letter'].includes(sequence.onLost)) {
      fail('sequence.onLost', "'process' | 'dead-letter'", sequence.onLost);
    }
  }
};

/** The options of one `sqsBatch` handler, checked and filled in, with what they build. */
export type ResolvedSqsBatch<Body> = {
  handler: RecordHandler<Body>;
  parse: ParseOption<Body>;
  ordering: 'auto' | 'fifo' | 'none';
  onFailure: 'skip-group' | 'stop-batch';
  concurrency: number;
  timeGuardMs: number;
  groupCommit: boolean;
  /** The user's sequence options, for grouping; `guard` checks and moves the watermarks. */
  sequence?: SequenceGuardOptions<Body>;
  guard?: SequenceGuard<Body>;
  /** `record: 'group-window'`: how long and how many keys each group's window holds, by the idempotency clock. */
  window?: WindowLimits & { now?: () => number };
  /** Where FIFO groups' fences live (and the client parking writes through); undefined: no fence. */
  fence?: FenceTable & { documents: DynamoDBDocumentClient };
  onDeadLetter: 'continue' | 'park-group';
  /** The source queue's redrive maxReceiveCount, when known: park-group dead-letters a failure on the last receive itself. */
  maxReceiveCount?: number;
  /** Without the `idempotency` option, a pass-through engine: every delivery runs. */
  engine: IdempotencyEngine<SqsMessage<Body>, unknown>;
  mode: DeliveryMode;
  deadLetterQueueUrl?: string;
  backoff?: ResolvedBackoff;
  sqsClient: () => Promise<SQSClient>;
  metrics?: ReliabilityMetrics;
  log: ReliabilityLog;
};

/** Rejects a misconfiguration when the handler is built, not when the first record arrives, and fills in defaults. */
export const resolveSqsBatchOptions = <Body>(
  handler: RecordHandler<Body>,
  options: SqsBatchOptions<Body>,
): ResolvedSqsBatch<Body> => {
  validateOptions(handler, options);
  const backoff = resolveRetryBackoff(options.retryBackoff);
  const log = createReliabilityLog({ logger: options.logger, logBodies: options.logBodies });
  const { sequence, idempotency } = options;
  const windowed = idempotency?.record === 'group-window';
  // The window commits by group commit, which stages every call.
  const groupCommit = windowed || (options.groupCommit ?? sqsBatchDefaults.groupCommit);
  return {
    handler,
    parse: options.parse ?? sqsBatchDefaults.parse,
    ordering: options.ordering ?? sqsBatchDefaults.ordering,
    onFailure: options.onFailure ?? sqsBatchDefaults.onFailure,
    concurrency: options.concurrency ?? sqsBatchDefaults.concurrency,
    timeGuardMs: options.timeGuardMs ?? sqsBatchDefaults.timeGuardMs,
    groupCommit,
    ...(windowed && {
      window: {
        maxAgeMs: idempotency.expiresAfterMs ?? idempotencyDefaults.expiresAfterMs,
        ...(idempotency.windowKeys !== undefined && { maxKeys: idempotency.windowKeys }),
        ...(idempotency.now && { now: idempotency.now }),
      },
    }),
    ...(sequence && {
      sequence,
      guard: createSequenceGuard(
        {
          holdForMs: sqsBatchDefaults.holdForMs,
          onLost: sqsBatchDefaults.onLost,
          maxReceiveCount: receiveCountFromEnvironment(),
          ...sequence,
        },
        log,
      ),
    }),
    engine: options.idempotency
      ? createIdempotencyEngine(options.idempotency, { staged: groupCommit })
      : passThroughEngine(
          '`transaction` needs the `idempotency` option: its writes commit with the idempotency record, and sqsBatch has none. ' +
            'Add `idempotency: { store, key }`, or write directly (each delivery then applies its writes: at-least-once).',
        ),
    mode: options.idempotency ? (options.idempotency.mode ?? 'exactly-once') : 'at-least-once',
    ...fenceOf(options),
    onDeadLetter: options.onDeadLetter ?? 'continue',
    maxReceiveCount: receiveCountFromEnvironment(),
    deadLetterQueueUrl: options.deadLetterQueueUrl ?? (process.env[DEAD_LETTER_QUEUE_URL_ENV] || undefined),
    ...(backoff && { backoff }),
    sqsClient: lazySqsClient(options.sqsClient),
    metrics: options.metrics === false ? undefined : (options.metrics ?? createReliabilityMetrics()),
    log,
  };
};
