import type { SQSClient } from '@aws-sdk/client-sqs';
import { invalidOption } from '../options.ts';
import { loadSqsSdk } from '../sqs-sdk.ts';
import { QUEUE_URL_ENV } from './environment.ts';
import type { PreparedRecord } from './message.ts';
import type { CountedOutcome, RetriedOutcome } from './outcome.ts';
import { isRetried } from './outcome.ts';

/**
 * How long a record the batch returns stays invisible before SQS delivers it again, set with
 * `ChangeMessageVisibility` instead of the queue's whole visibility timeout. On a FIFO queue a
 * returned record holds its group until then, so a throttle that cleared in a second held the
 * group for minutes. Lambda leaves a failed record's visibility as the function set it
 * (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html).
 */
export type RetryBackoffOptions = {
  /** The source queue. @default process.env.QUEUE_URL (which ReliableConsumer sets) */
  queueUrl?: string;
  /** A record that never started (the rest of a failed group, a stopped batch, the time guard). @default 0 */
  notStartedSeconds?: number;
  /**
   * A record that failed on a throttle, a service's own fault (5xx), a transaction conflict or a
   * lease held by another invocation — errors that clear by themselves: this, doubled with each
   * receive, up to `maxSeconds`. A record held for a sequence gap keeps the queue's visibility
   * timeout: `holdForMs` is sized against the queue's receives. @default 1
   */
  transientSeconds?: number;
  /** @default 30 */
  maxSeconds?: number;
};

export type ResolvedBackoff = Required<RetryBackoffOptions>;

export const retryBackoffDefaults = { notStartedSeconds: 0, transientSeconds: 1, maxSeconds: 30 } as const;

// SQS's longest visibility timeout: 12 hours.
// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ChangeMessageVisibility.html
const MAX_VISIBILITY_S = 12 * 3600;

const TRANSIENT = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TransactionConflictException',
  'IdempotencyInProgressError',
]);

const isTransient = (error: unknown) => {
  const e = error as { name?: string; $fault?: string; $retryable?: { throttling?: boolean } } | undefined;
  // A throttle, or the service's own fault (a 5xx: an outage the SDK's retries did not outlast).
  if (e?.$retryable?.throttling || e?.$fault === 'server') return true;
  if (TRANSIENT.has(e?.name ?? '')) return true;
  // A transaction cancelled for a conflict or a throttle names it in its reasons.
  const reasons = (error as { CancellationReasons?: { Code?: string }[] } | undefined)?.CancellationReasons;
  return Boolean(reasons?.some((r) => r.Code === 'TransactionConflict' || r.Code === 'ThrottlingError'));
};

/**
 * The visibility a returned record gets, in seconds; undefined leaves the queue's own: a record
 * that failed otherwise (a downstream error, a bug) keeps the full visibility timeout, so its
 * receives are not used up faster than the queue's redrive policy was sized for. So does a record
 * held for a sequence gap: its predecessor may be a whole visibility timeout away, and a hold
 * that runs out of receives counts the predecessor lost.
 */
export const visibilityFor = (
  outcome: RetriedOutcome,
  receiveCount: number,
  backoff: ResolvedBackoff,
): number | undefined => {
  if (outcome.kind === 'not-run') return backoff.notStartedSeconds;
  if (outcome.kind === 'held') return undefined;
  if (!isTransient(outcome.error)) return undefined;
  // Lambda always sends ApproximateReceiveCount; anything else counts as a first receive.
  const receives = Number.isFinite(receiveCount) && receiveCount >= 1 ? Math.floor(receiveCount) : 1;
  const doubled = backoff.transientSeconds * 2 ** (receives - 1);
  return Math.min(backoff.maxSeconds, Math.round(doubled));
};

const seconds = (name: string, value: unknown) => {
  if (
    value !== undefined &&
    !(Number.isInteger(value) && (value as number) >= 0 && (value as number) <= MAX_VISIBILITY_S)
  )
    invalidOption('sqsBatch', `retryBackoff.${name}`, 'whole seconds from 0 to 43200 (12 hours)', value);
};

/** The backoff to apply, or undefined: turned off, or no queue URL to apply it to. */
export const resolveRetryBackoff = (
  option: false | RetryBackoffOptions | undefined,
): ResolvedBackoff | undefined => {
  if (option === false) return undefined;
  if (option !== undefined && (typeof option !== 'object' || option === null))
    invalidOption(
      'sqsBatch',
      'retryBackoff',
      'false or { queueUrl?, notStartedSeconds?, transientSeconds?, maxSeconds? }',
      option,
    );
  const given = option ?? {};
  seconds('notStartedSeconds', given.notStartedSeconds);
  seconds('transientSeconds', given.transientSeconds);
  seconds('maxSeconds', given.maxSeconds);
  if (given.queueUrl !== undefined && !/^https?:\/\//.test(given.queueUrl))
    invalidOption('sqsBatch', 'retryBackoff.queueUrl', 'a queue URL', given.queueUrl);
  const queueUrl = given.queueUrl ?? (process.env[QUEUE_URL_ENV] || undefined);
  if (!queueUrl) return undefined;
  return { ...retryBackoffDefaults, ...given, queueUrl };
};

/**
 * Sets the visibility of the records the batch returns, 10 per `ChangeMessageVisibilityBatch`.
 * Best effort: a record whose change fails keeps the queue's visibility timeout (it is retried
 * later, never lost); the count of failed changes is returned for the log.
 */
export const applyRetryBackoff = async <Body>(input: {
  prepared: readonly PreparedRecord<Body>[];
  outcomes: ReadonlyMap<PreparedRecord<Body>, CountedOutcome>;
  backoff: ResolvedBackoff;
  client: () => Promise<SQSClient>;
}): Promise<{ changed: number; failed: number }> => {
  const entries: { Id: string; ReceiptHandle: string; VisibilityTimeout: number }[] = [];
  for (const [i, item] of input.prepared.entries()) {
    const outcome = input.outcomes.get(item) ?? ({ kind: 'not-run', reason: 'batch-stopped' } as const);
    if (!isRetried(outcome)) continue;
    const receives = Number(item.record.attributes?.ApproximateReceiveCount ?? 1);
    const visibility = visibilityFor(outcome, receives, input.backoff);
    if (visibility === undefined || !item.record.receiptHandle) continue;
    entries.push({ Id: String(i), ReceiptHandle: item.record.receiptHandle, VisibilityTimeout: visibility });
  }
  if (entries.length === 0) return { changed: 0, failed: 0 };
  const { ChangeMessageVisibilityBatchCommand } = await loadSqsSdk();
  const client = await input.client();
  let changed = 0;
  let failed = 0;
  for (let i = 0; i < entries.length; i += 10) {
    const chunk = entries.slice(i, i + 10);
    try {
      const response = await client.send(
        new ChangeMessageVisibilityBatchCommand({ QueueUrl: input.backoff.queueUrl, Entries: chunk }),
      );
      changed += response.Successful?.length ?? 0;
      failed += response.Failed?.length ?? 0;
    } catch {
      failed += chunk.length;
    }
  }
  return { changed, failed };
};
