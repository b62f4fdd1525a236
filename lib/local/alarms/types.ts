/** The three states of a CloudWatch alarm. */
export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

/** How an alarm treats a period with no datapoint (`TreatMissingData`; CloudWatch's default is `missing`). */
export type TreatMissingData = 'missing' | 'ignore' | 'breaching' | 'notBreaching';

/** The static-threshold comparisons; anomaly-detection bands are not evaluated locally. */
export type ComparisonOperator =
  | 'GreaterThanOrEqualToThreshold'
  | 'GreaterThanThreshold'
  | 'LessThanThreshold'
  | 'LessThanOrEqualToThreshold';

/** One metric, as CloudWatch identifies it: namespace, name and its whole set of dimensions. */
export type MetricId = {
  namespace: string;
  metricName: string;
  dimensions: Readonly<Record<string, string>>;
};

/** An `AWS::CloudWatch::Alarm` on one metric, with every intrinsic resolved. */
export type MetricAlarm = {
  kind: 'metric';
  logicalId: string;
  name: string;
  arn: string;
  description?: string;
  metric: MetricId;
  /** `Sum`, `Average`, `Minimum`, `Maximum`, `SampleCount`, or a percentile such as `p99`. */
  statistic: string;
  /** Only datapoints published with this unit count, when set. */
  unit?: string;
  periodSeconds: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  threshold: number;
  comparison: ComparisonOperator;
  treatMissingData: TreatMissingData;
};

/** A composite alarm's rule, parsed. */
export type AlarmRule =
  | { op: 'state'; state: AlarmState; alarm: string }
  | { op: 'const'; value: boolean }
  | { op: 'not'; operand: AlarmRule }
  | { op: 'and' | 'or'; operands: AlarmRule[] };

/** An `AWS::CloudWatch::CompositeAlarm`; `rule` names its members by their alarm names. */
export type CompositeAlarm = {
  kind: 'composite';
  logicalId: string;
  name: string;
  arn: string;
  description?: string;
  rule: AlarmRule;
  /** The rule as the template states it, resolved. */
  ruleText: string;
};

/** An alarm of the template that is not evaluated locally, and why. */
export type UnsupportedAlarm = { logicalId: string; name: string; type: string; reason: string };

/** What a template declares: the alarms evaluated locally and those that are not. */
export type TemplateAlarms = {
  metricAlarms: MetricAlarm[];
  compositeAlarms: CompositeAlarm[];
  unsupported: UnsupportedAlarm[];
};

/** One change of an alarm's state. `at` is local epoch milliseconds. */
export type AlarmTransition = {
  alarm: string;
  logicalId: string;
  from: AlarmState;
  to: AlarmState;
  at: number;
  reason: string;
};

/** Samples of one metric: each value counted `count` times (EMF and PutMetricData both allow repeats). */
export type MetricSample = { timestamp: number; value: number; count: number; unit?: string };

/** One alarm of the template at the end (or so far) of a run. */
export type AlarmReport = {
  name: string;
  logicalId: string;
  type: string;
  description?: string;
  /** `false` when it is not evaluated locally; `reason` says why. */
  evaluated: boolean;
  state: AlarmState;
  /** Why it is in its state (the last evaluation), or why it is not evaluated. */
  reason: string;
  transitions: AlarmTransition[];
  /** A composite's members that are not evaluated locally: they count as INSUFFICIENT_DATA. */
  notEvaluatedMembers?: string[];
};
