import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { appendTo } from '../collections.ts';
import {
  type CounterName,
  defaultServiceName,
  MetricDimension,
  RELIABILITY_NAMESPACE,
  type TimingName,
} from './names.ts';
import { type EmfDocument, type MetricsSink, stdoutSink } from './sinks.ts';

/** Counts and times reliability events in memory; `flush()` emits them as EMF, once per invocation. */
export type ReliabilityMetrics = {
  count(name: CounterName, queue: string, value?: number): void;
  time(name: TimingName, queue: string, milliseconds: number): void;
  /** Emits what was recorded since the last flush (one document per queue) and resets. */
  flush(): void;
};

export type ReliabilityMetricsOptions = {
  /** @default RELIABILITY_NAMESPACE ('ReliableEvents') */
  namespace?: string;
  /** The `Service` dimension. @default POWERTOOLS_SERVICE_NAME, else AWS_LAMBDA_FUNCTION_NAME, else 'reliable-events' (as the logs' `service`) */
  service?: string;
  /** @default stdoutSink */
  sink?: MetricsSink;
};

// EMF allows at most 100 values per metric in one document; Powertools also publishes on its
// own (to stdout, bypassing our sink) once it holds 100 values, so stay below that.
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
const MAX_VALUES_PER_DOCUMENT = 99;

/**
 * Reliability counters as CloudWatch Embedded Metric Format: no CloudWatch API call on the
 * hot path. Powertools Metrics builds and validates each document; this module groups the
 * values by queue, keeps every document within EMF's limits, and hands it to a sink.
 *
 * @example
 * const metrics = createReliabilityMetrics({ service: 'payments' });
 * metrics.count(MetricName.MessagesReceived, 'orders.fifo', 10);
 * metrics.flush();
 */
export const createReliabilityMetrics = (options: ReliabilityMetricsOptions = {}): ReliabilityMetrics => {
  const namespace = options.namespace ?? RELIABILITY_NAMESPACE;
  const service = options.service ?? defaultServiceName();
  const sink = options.sink ?? stdoutSink;
  const counters = new Map<string, Map<CounterName, number>>();
  const timings = new Map<string, Map<TimingName, number[]>>();

  const forQueue = <K, V>(map: Map<string, Map<K, V>>, queue: string): Map<K, V> => {
    const entry = map.get(queue) ?? new Map<K, V>();
    map.set(queue, entry);
    return entry;
  };

  const emit = (queue: string, metrics: Metrics) => {
    metrics.clearDefaultDimensions();
    metrics.setDefaultDimensions({ [MetricDimension.Service]: service, [MetricDimension.Queue]: queue });
    sink(metrics.serializeMetrics() as unknown as EmfDocument);
    metrics.clearMetrics();
  };

  return {
    count(name, queue, value = 1) {
      const queueCounters = forQueue(counters, queue);
      queueCounters.set(name, (queueCounters.get(name) ?? 0) + value);
    },
    time(name, queue, milliseconds) {
      const queueTimings = forQueue(timings, queue);
      appendTo(queueTimings, name, milliseconds);
    },
    flush() {
      const queues = new Set([...counters.keys(), ...timings.keys()]);
      for (const queue of queues) {
        const metrics = new Metrics({ namespace, serviceName: service });
        for (const [name, value] of counters.get(queue) ?? [])
          metrics.addMetric(name, MetricUnit.Count, value);
        const pending = [...(timings.get(queue) ?? [])].map(([name, values]): [TimingName, number[]] => [
          name,
          [...values],
        ]);
        // The first document carries the counters and up to 99 values of each timing; further ones the rest.
        do {
          for (const [name, values] of pending) {
            for (const value of values.splice(0, MAX_VALUES_PER_DOCUMENT)) {
              metrics.addMetric(name, MetricUnit.Milliseconds, value);
            }
          }
          if (metrics.hasStoredMetrics()) emit(queue, metrics);
        } while (pending.some(([, values]) => values.length > 0));
      }
      counters.clear();
      timings.clear();
    },
  };
};
