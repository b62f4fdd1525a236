/** What became of one record. Only `failed`, `held` and `not-run` are reported to SQS for retry. */
export type RecordOutcome =
  | { kind: 'processed'; durationMs: number; finishedAt: number }
  | { kind: 'duplicate'; reason: 'idempotency' | 'sequence' }
  | { kind: 'dead-lettered'; error: unknown }
  | { kind: 'dropped'; error: unknown }
  | { kind: 'failed'; error: unknown }
  | { kind: 'held'; error: unknown }
  | { kind: 'not-run'; reason: 'group-failed' | 'batch-stopped' | 'time-guard' };

export type RetriedOutcome = Extract<RecordOutcome, { kind: 'failed' | 'held' | 'not-run' }>;

export const isRetried = (outcome: RecordOutcome): outcome is RetriedOutcome =>
  outcome.kind === 'failed' || outcome.kind === 'held' || outcome.kind === 'not-run';
