import type { MetricId, MetricSample } from './types.ts';

/** One key per metric: CloudWatch tells metrics apart by namespace, name and the whole dimension set. */
export const metricKey = (metric: MetricId): string =>
  JSON.stringify([
    metric.namespace,
    metric.metricName,
    Object.entries(metric.dimensions).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  ]);

/** Datapoints by metric, in memory. */
export type MetricStore = {
  put(metric: MetricId, sample: MetricSample): void;
  /** The samples of a metric with `from <= timestamp < to`, and `unit` when given. */
  samples(metric: MetricId, from: number, to: number, unit?: string): MetricSample[];
  /** Forgets samples older than `before`. */
  prune(before: number): void;
};

/**
 * A store of metric samples.
 *
 * @example
 * const store = createMetricStore();
 * store.put({ namespace: 'App', metricName: 'Errors', dimensions: {} }, { timestamp: Date.now(), value: 1, count: 1 });
 */
export const createMetricStore = (): MetricStore => {
  const series = new Map<string, MetricSample[]>();
  return {
    put(metric, sample) {
      const key = metricKey(metric);
      const list = series.get(key);
      if (list) list.push(sample);
      else series.set(key, [sample]);
    },
    samples(metric, from, to, unit) {
      return (series.get(metricKey(metric)) ?? []).filter(
        (s) => s.timestamp >= from && s.timestamp < to && (unit === undefined || s.unit === unit),
      );
    },
    prune(before) {
      for (const [key, list] of series) {
        const kept = list.filter((s) => s.timestamp >= before);
        if (kept.length === 0) series.delete(key);
        else series.set(key, kept);
      }
    },
  };
};
