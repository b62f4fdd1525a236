import type { MetricSample } from './types.ts';

const BASIC = new Set(['SampleCount', 'Sum', 'Average', 'Minimum', 'Maximum']);
const PERCENTILE = /^p(\d{1,2}(\.\d{1,10})?|100)$/;

/**
 * Whether a statistic is computed locally: the five basic statistics and percentiles (`p50`,
 * `p99.9`). Trimmed means, winsorized means and the other extended statistics are not.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Statistics-definitions.html
 */
export const isSupportedStatistic = (statistic: string): boolean =>
  BASIC.has(statistic) || PERCENTILE.test(statistic);

/**
 * One period's statistic over its samples, each value weighted by its count; `undefined` when the
 * period has no sample (a missing datapoint). Percentiles take the nearest rank of the values.
 *
 * @example
 * statisticOf([{ timestamp: 0, value: 2, count: 3, }], 'Sum'); // 6
 */
export const statisticOf = (samples: readonly MetricSample[], statistic: string): number | undefined => {
  const count = samples.reduce((n, s) => n + s.count, 0);
  if (count === 0) return undefined;
  switch (statistic) {
    case 'SampleCount':
      return count;
    case 'Sum':
      return samples.reduce((sum, s) => sum + s.value * s.count, 0);
    case 'Average':
      return samples.reduce((sum, s) => sum + s.value * s.count, 0) / count;
    case 'Minimum':
      return Math.min(...samples.map((s) => s.value));
    case 'Maximum':
      return Math.max(...samples.map((s) => s.value));
  }
  const match = PERCENTILE.exec(statistic);
  if (!match) throw new RangeError(`Statistic ${statistic} is not computed locally`);
  const sorted = [...samples].sort((a, b) => a.value - b.value);
  const rank = Math.max(1, Math.ceil((Number(match[1]) / 100) * count));
  let seen = 0;
  for (const sample of sorted) {
    seen += sample.count;
    if (seen >= rank) return sample.value;
  }
  return sorted.at(-1)?.value;
};
