import type { StreamBatchReport } from './dynamodb-stream-source.ts';
import type { BatchReport } from './sqs-event-source.ts';

/** An error a function answered a batch with, and the first record of that batch. */
export type FunctionError = { name: string; message: string; messageId?: string; records: number };

/** What a function's errors came to: how many batches failed by its own doing, and the first few errors. */
export type FunctionErrors = { errors: number; firstErrors: FunctionError[] };

/** How many errors each function keeps to show. */
export const FIRST_ERRORS = 3;

/**
 * The function's own error in a batch: its handler threw (or could not load), or answered a
 * partial batch response Lambda rejects. A timeout, an injected crash and a failed receive are
 * not the function's answer, so they are `undefined`.
 */
export const functionErrorOf = (report: BatchReport | StreamBatchReport): FunctionError | undefined => {
  if (report.records === 0 || (report.outcome !== 'error' && report.outcome !== 'invalid-response'))
    return undefined;
  const error = report.error as { name?: unknown; message?: unknown } | undefined;
  const messageId = 'messageId' in report ? report.messageId : undefined;
  return {
    name: report.outcome === 'invalid-response' ? 'InvalidResponse' : String(error?.name ?? 'Error'),
    message:
      report.outcome === 'invalid-response'
        ? 'the partial batch response names no record of the batch (Lambda fails the whole batch)'
        : String(error?.message ?? error).split('\n')[0]!,
    ...(messageId ? { messageId } : {}),
    records: report.records,
  };
};

/**
 * Counts a batch's error into `into` and keeps it if it is among the first few.
 *
 * @example
 * const errors = { errors: 0, firstErrors: [] };
 * runtime = startLocalRuntime({ …, onBatch: (fn, report) => noteFunctionError(errors, report) });
 */
export const noteFunctionError = (into: FunctionErrors, report: BatchReport | StreamBatchReport): void => {
  const error = functionErrorOf(report);
  if (!error) return;
  into.errors += 1;
  if (into.firstErrors.length < FIRST_ERRORS) into.firstErrors.push(error);
};

/** `RangeError: no such order (message 1f2e…, batch of 10)`: one error on one line. */
export const formatFunctionError = (e: FunctionError): string =>
  `${e.name}: ${e.message}${e.messageId ? ` (message ${e.messageId}${e.records > 1 ? `, batch of ${e.records}` : ''})` : ''}`;

/** A function's batches, as `verify` and `local` count them from its event sources. */
export type BatchCounts = FunctionErrors & {
  batches: number;
  records: number;
  /** SQS records deleted after the function succeeded with them. */
  acked: number;
  /** Stream records the function succeeded with: its checkpoint moved past them (stream consumers only). */
  checkpointed?: number;
};

/** Counts one batch: an SQS batch's deleted records as acknowledged, a stream batch's done ones as checkpointed. */
export const countBatch = (into: BatchCounts, report: BatchReport | StreamBatchReport): void => {
  into.batches += 1;
  into.records += report.records;
  noteFunctionError(into, report);
  if ('deleted' in report) into.acked += report.deleted;
  else into.checkpointed = (into.checkpointed ?? 0) + report.records - report.retried;
};

/**
 * `10154 acknowledged` for an SQS consumer, `19872 checkpointed` for a stream's, both for a
 * function with both: a stream has no acknowledgement, and "0 acknowledged" read as nothing done.
 */
export const doneOf = (counts: Pick<BatchCounts, 'acked' | 'checkpointed'>): string =>
  [
    ...(counts.checkpointed === undefined || counts.acked > 0 ? [`${counts.acked} acknowledged`] : []),
    ...(counts.checkpointed === undefined ? [] : [`${counts.checkpointed} checkpointed`]),
  ].join(', ');
