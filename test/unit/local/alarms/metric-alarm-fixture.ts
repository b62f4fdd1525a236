import type { MetricAlarm } from '../../../../lib/local/alarms/types.ts';

/** A 1-out-of-1, Sum >= 1 over 60 s alarm that treats missing data as not breaching, like the example app's. */
export const metricAlarm = (name: string, overrides: Partial<MetricAlarm> = {}): MetricAlarm => ({
  kind: 'metric',
  logicalId: name,
  name,
  arn: `arn:aws:cloudwatch:us-east-1:000000000000:alarm:${name}`,
  metric: { namespace: 'App', metricName: 'DeadLettered', dimensions: { Queue: 'orders' } },
  statistic: 'Sum',
  periodSeconds: 60,
  evaluationPeriods: 1,
  datapointsToAlarm: 1,
  threshold: 1,
  comparison: 'GreaterThanOrEqualToThreshold',
  treatMissingData: 'notBreaching',
  ...overrides,
});
