import type { SQSBatchResponse } from 'aws-lambda';
import { MetricName } from '../metrics/names.ts';
import type { ReliabilityLog } from '../metrics/reliability-log.ts';
import type { ReliabilityMetrics } from '../metrics/reliability-metrics.ts';
import { LateCommitFencedError } from './errors.ts';
import type { PreparedRecord } from './message.ts';

/** What became of one record. Only `failed`, `held` and `not-run` are reported to SQS for retry. */
export type RecordOutcome =
  | { kind: 'processed'; durationMs: number; finishedAt: number }
  | { kind: 'duplicate'; reason: 'idempotency' | 'sequence' }
  | { kind: 'dead-lettered'; error: unknown }
  | { kind: 'dropped'; error: unknown }
  | { kind: 'failed'; error: unknown }
  | { kind: 'held'; error: unknown }
  | { kind: 'not-run'; reason: 'group-failed' | 'batch-stopped' | 'time-guard' };

/** An outcome, with the sequence numbers found lost before the record (counted once, with it). */
export type CountedOutcome = RecordOutcome & { lost?: number };

export type RetriedOutcome = Extract<RecordOutcome, { kind: 'failed' | 'held' | 'not-run' }>;

export const isRetried = (outcome: RecordOutcome): outcome is RetriedOutcome =>
  outcome.kind === 'failed' || outcome.kind === 'held' || outcome.kind === 'not-run';

const OUTCOME_METRIC = {
  processed: MetricName.MessagesProcessed,
  duplicate: MetricName.DuplicatesSuppressed,
  'dead-lettered': MetricName.MessagesDeadLettered,
  dropped: MetricName.MessagesDropped,
  failed: MetricName.MessagesFailed,
  'not-run': MetricName.MessagesFailed,
  held: MetricName.OutOfOrderHeld,
} as const;

const countOutcome = (
  metrics: ReliabilityMetrics,
  queue: string,
  prepared: PreparedRecord<unknown>,
  outcome: CountedOutcome,
) => {
  metrics.count(OUTCOME_METRIC[outcome.kind], queue);
  if (outcome.kind === 'failed' && outcome.error instanceof LateCommitFencedError)
    metrics.count(MetricName.LateCommitsFenced, queue);
  if (outcome.lost) metrics.count(MetricName.MessagesLost, queue, outcome.lost);
  if (outcome.kind !== 'processed') return;
  metrics.time(MetricName.ProcessingTime, queue, outcome.durationMs);
  const sentAt = Number(prepared.record.attributes?.SentTimestamp);
  if (Number.isFinite(sentAt))
    metrics.time(MetricName.EndToEndLatency, queue, Math.max(0, outcome.finishedAt - sentAt));
};

/**
 * The batch response (exactly the records to retry) and the batch's metrics and log lines.
 * A record with no outcome was never reached (the batch stopped) and is retried.
 */
export const reportBatch = <Body>(report: {
  prepared: readonly PreparedRecord<Body>[];
  outcomes: ReadonlyMap<PreparedRecord<Body>, CountedOutcome>;
  queue: string;
  metrics: ReliabilityMetrics | undefined;
  log: ReliabilityLog;
}): SQSBatchResponse => {
  const { prepared, outcomes, queue, metrics, log } = report;
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  metrics?.count(MetricName.MessagesReceived, queue, prepared.length);
  for (const item of prepared) {
    const outcome = outcomes.get(item) ?? ({ kind: 'not-run', reason: 'batch-stopped' } as const);
    if (isRetried(outcome)) batchItemFailures.push({ itemIdentifier: item.record.messageId });
    if (metrics) countOutcome(metrics, queue, item as PreparedRecord<unknown>, outcome);
  }
  if (prepared.length > 0 && batchItemFailures.length === prepared.length) {
    log.batchFailed({ queue, records: prepared.length, reason: 'every record was reported for retry' });
  }
  metrics?.flush();
  return { batchItemFailures };
};
