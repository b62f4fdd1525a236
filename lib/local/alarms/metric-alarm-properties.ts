import { isSupportedStatistic } from './statistics.ts';
import type { ComparisonOperator, MetricAlarm, TreatMissingData } from './types.ts';

const COMPARISONS = new Set<string>([
  'GreaterThanOrEqualToThreshold',
  'GreaterThanThreshold',
  'LessThanThreshold',
  'LessThanOrEqualToThreshold',
]);
const TREATMENTS = new Set<string>(['missing', 'ignore', 'breaching', 'notBreaching']);

/**
 * Why an alarm cannot be evaluated locally: caught by `readAlarms`, which lists the alarm with
 * the message. Never leaves the module.
 * @internal
 */
export class Unsupported extends Error {}

type MetricStat = {
  Metric?: { Namespace?: unknown; MetricName?: unknown; Dimensions?: unknown };
  Period?: unknown;
  Stat?: unknown;
  Unit?: unknown;
};

// `Metrics` with one MetricStat and no expression is one metric written the long way (as CDK
// writes an alarm on a metric of another account or region): read it as the short form.
const singleMetricOf = (props: Record<string, unknown>): Record<string, unknown> => {
  const queries = props.Metrics as { Expression?: unknown; MetricStat?: MetricStat }[];
  const query = Array.isArray(queries) && queries.length === 1 ? queries[0] : undefined;
  if (!query?.MetricStat || query.Expression !== undefined)
    throw new Unsupported('metric math (Metrics) is not evaluated locally');
  const { Metric = {}, Period, Stat, Unit } = query.MetricStat;
  return {
    ...props,
    Metrics: undefined,
    Namespace: Metric.Namespace,
    MetricName: Metric.MetricName,
    Dimensions: Metric.Dimensions,
    Period,
    Statistic: Stat,
    ExtendedStatistic: undefined,
    Unit,
  };
};

/**
 * The metric, statistic and rule of an `AWS::CloudWatch::Alarm`'s properties, each intrinsic
 * resolved by `resolved`; throws `Unsupported` for what is not evaluated locally.
 * @internal
 */
export const metricAlarmOf = (
  props: Record<string, unknown>,
  resolved: (value: unknown, what: string) => unknown,
): Omit<MetricAlarm, 'logicalId' | 'name' | 'arn'> => {
  if (props.Metrics !== undefined) return metricAlarmOf(singleMetricOf(props), resolved);
  if (props.ThresholdMetricId !== undefined)
    throw new Unsupported('anomaly detection (ThresholdMetricId) is not evaluated locally');
  const comparison = String(props.ComparisonOperator);
  if (!COMPARISONS.has(comparison))
    throw new Unsupported(`ComparisonOperator ${comparison} is not evaluated locally`);
  const statistic = String(props.ExtendedStatistic ?? props.Statistic);
  if (!isSupportedStatistic(statistic))
    throw new Unsupported(`statistic ${statistic} is not computed locally`);
  const number = (key: string, fallback?: number) => {
    const value = props[key] === undefined ? fallback : Number(resolved(props[key], key));
    if (value === undefined || !Number.isFinite(value))
      throw new Unsupported(`${key} is missing or not a number`);
    return value;
  };
  const evaluationPeriods = number('EvaluationPeriods');
  const datapointsToAlarm = number('DatapointsToAlarm', evaluationPeriods);
  if (datapointsToAlarm < 1 || datapointsToAlarm > evaluationPeriods)
    throw new Unsupported(
      `DatapointsToAlarm ${datapointsToAlarm} is outside 1..EvaluationPeriods (${evaluationPeriods})`,
    );
  if (props.MetricName === undefined || props.Namespace === undefined)
    throw new Unsupported('MetricName or Namespace is missing');
  const namespace = String(resolved(props.Namespace, 'Namespace'));
  const dimensions = Object.fromEntries(
    ((props.Dimensions as { Name: string; Value: unknown }[] | undefined) ?? []).map((d) => [
      d.Name,
      String(resolved(d.Value, `Dimension ${d.Name}`)),
    ]),
  );
  const treatment = String(props.TreatMissingData ?? 'missing');
  if (!TREATMENTS.has(treatment))
    throw new Unsupported(`TreatMissingData ${treatment} is not one of ${[...TREATMENTS].join(', ')}`);
  return {
    kind: 'metric',
    metric: { namespace, metricName: String(resolved(props.MetricName, 'MetricName')), dimensions },
    statistic,
    ...(typeof props.Unit === 'string' ? { unit: props.Unit } : {}),
    periodSeconds: number('Period'),
    evaluationPeriods,
    datapointsToAlarm,
    threshold: number('Threshold'),
    comparison: comparison as ComparisonOperator,
    // Alarms on AWS/DynamoDB metrics always ignore missing data, whatever they set:
    // https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarms-and-missing-data
    treatMissingData: namespace === 'AWS/DynamoDB' ? 'ignore' : (treatment as TreatMissingData),
  };
};
