import { MetricName } from '../metrics/names.ts';
import { createReliabilityLog, type StructuredLogger } from '../metrics/reliability-log.ts';
import { createReliabilityMetrics, type ReliabilityMetrics } from '../metrics/reliability-metrics.ts';
import type { DeliveryMode } from './types.ts';

/** The metrics and log options `makeIdempotent` and the `idempotency` middleware share with `sqsBatch`. */
export type CallObservationOptions = {
  /** @default createReliabilityMetrics() (EMF on stdout), flushed after each call; `false` to emit none */
  metrics?: ReliabilityMetrics | false;
  /** @default a Powertools Logger */
  logger?: StructuredLogger;
};

/**
 * Counts and logs each idempotent call as `sqsBatch` counts a record: received, then processed,
 * a duplicate suppressed, or failed. The `Queue` dimension names the caller: the idempotency
 * scope (the Lambda function's name by default).
 *
 * @example
 * const observe = observeCalls({ metrics, logger }, 'payments-api', 'exactly-once');
 * observe.duplicate(key);
 */
export const observeCalls = (options: CallObservationOptions, dimension: string, mode: DeliveryMode) => {
  const metrics = options.metrics === false ? undefined : (options.metrics ?? createReliabilityMetrics());
  // Ours are flushed after each call; a caller's own metrics are flushed by the caller.
  const ownMetrics = options.metrics === undefined;
  const log = createReliabilityLog({ logger: options.logger });
  const queue = dimension || 'idempotency';
  const count = (name: Parameters<ReliabilityMetrics['count']>[0]) => {
    metrics?.count(MetricName.MessagesReceived, queue);
    metrics?.count(name, queue);
  };
  const done = () => {
    if (ownMetrics) metrics?.flush();
  };
  return {
    duplicate(key: string) {
      count(MetricName.DuplicatesSuppressed);
      log.duplicate({ messageId: key, queue }, 'idempotency');
      done();
    },
    processed(startedAt: number) {
      count(MetricName.MessagesProcessed);
      metrics?.time(MetricName.ProcessingTime, queue, Date.now() - startedAt);
      done();
    },
    failed(key: string, error: unknown) {
      count(MetricName.MessagesFailed);
      // At-most-once never runs a key again; the other modes let the caller retry it.
      log.failed({ messageId: key, queue }, error, mode !== 'at-most-once');
      done();
    },
  };
};
