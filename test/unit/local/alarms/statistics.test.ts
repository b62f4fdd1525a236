import { describe, expect, it } from 'vitest';
import { isSupportedStatistic, statisticOf } from '../../../../lib/local/alarms/statistics.ts';

const samples = [1, 2, 3, 4, 100].map((value) => ({ timestamp: 0, value, count: 1 }));

// https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Statistics-definitions.html
describe('statistics of one period', () => {
  it.each([
    ['SampleCount', 5],
    ['Sum', 110],
    ['Average', 22],
    ['Minimum', 1],
    ['Maximum', 100],
    ['p50', 3],
    ['p80', 4],
    ['p99', 100],
    ['p100', 100],
  ])('%s', (statistic, expected) => {
    expect(statisticOf(samples, statistic)).toBe(expected);
  });

  it('weights values by their count, and has no datapoint without samples', () => {
    expect(
      statisticOf(
        [
          { timestamp: 0, value: 2, count: 3 },
          { timestamp: 0, value: 6, count: 1 },
        ],
        'Average',
      ),
    ).toBe(3);
    expect(statisticOf([], 'Sum')).toBeUndefined();
  });

  it('knows which statistics it computes', () => {
    expect(['Sum', 'p99', 'p99.9'].every(isSupportedStatistic)).toBe(true);
    expect(['tm99', 'wm90', 'IQM', 'p101', 'sum'].some(isSupportedStatistic)).toBe(false);
  });
});
