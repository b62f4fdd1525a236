export {
  COUNTERS,
  type CounterName,
  MetricDimension,
  MetricName,
  queueNameOf,
  RELIABILITY_NAMESPACE,
  TIMINGS,
  type TimingName,
} from './names.ts';
export {
  createReliabilityLog,
  type LoggedMessage,
  type ReliabilityLog,
  type ReliabilityLogOptions,
  type StructuredLogger,
} from './reliability-log.ts';
export {
  createReliabilityMetrics,
  type ReliabilityMetrics,
  type ReliabilityMetricsOptions,
} from './reliability-metrics.ts';
export { type EmfDocument, type MetricsSink, memorySink, stdoutSink } from './sinks.ts';
