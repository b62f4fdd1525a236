import type { AlarmState, ComparisonOperator, MetricAlarm } from './types.ts';

/** The rule of one alarm evaluation, as `evaluateDatapoints` needs it. */
export type AlarmCriteria = Pick<
  MetricAlarm,
  'evaluationPeriods' | 'datapointsToAlarm' | 'threshold' | 'comparison' | 'treatMissingData'
>;

const COMPARE: Record<ComparisonOperator, [string, (value: number, threshold: number) => boolean]> = {
  GreaterThanOrEqualToThreshold: ['>=', (v, t) => v >= t],
  GreaterThanThreshold: ['>', (v, t) => v > t],
  LessThanThreshold: ['<', (v, t) => v < t],
  LessThanOrEqualToThreshold: ['<=', (v, t) => v <= t],
};

/**
 * How many periods an evaluation looks back: CloudWatch retrieves more datapoints than Evaluation
 * Periods (its "evaluation range"); the user guide's examples use 5 for 3 evaluation periods.
 */
export const evaluationRange = (evaluationPeriods: number): number => evaluationPeriods + 2;

const show = (values: readonly (number | undefined)[]) =>
  `[${values.map((v) => (v === undefined ? '-' : String(v))).join(', ')}]`;

/**
 * One evaluation of a metric alarm, as the CloudWatch user guide states it ("How alarm state is
 * evaluated when data is missing" and "Avoiding premature transitions to alarm state"):
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarms-evaluating-missing-data
 *
 * - `datapoints` are the evaluation range's periods, oldest first; `undefined` is a missing one.
 * - With at least N (Evaluation Periods) real datapoints, the most recent N are evaluated and the
 *   missing-data setting is not used: M (Datapoints to Alarm) breaching ones make ALARM, else OK.
 * - With fewer, `breaching`/`notBreaching` fill the gap with as few filled datapoints as possible;
 *   `missing`/`ignore` evaluate the real ones, and when all of those breach but fewer than M, the
 *   alarm goes to ALARM only if the oldest breaching one of the last N periods is at least M periods
 *   old (else `missing` gives INSUFFICIENT_DATA; `ignore` keeps the state).
 * - With no datapoint at all: `missing` INSUFFICIENT_DATA, `ignore` keeps the state, `breaching`
 *   ALARM, `notBreaching` OK.
 *
 * @example
 * evaluateDatapoints(alarm, [undefined, undefined, 3, undefined, undefined], 'OK'); // { state: 'ALARM', … } for 3 out of 3 >= 1
 */
export const evaluateDatapoints = (
  alarm: AlarmCriteria,
  datapoints: readonly (number | undefined)[],
  current: AlarmState,
): { state: AlarmState; reason: string } => {
  const n = alarm.evaluationPeriods;
  const m = alarm.datapointsToAlarm;
  const [symbol, compare] = COMPARE[alarm.comparison];
  const breaches = (value: number) => compare(value, alarm.threshold);
  const real = datapoints.filter((v): v is number => v !== undefined);
  const treatment = alarm.treatMissingData;
  const verdict = (breaching: number, evaluated: string, state?: AlarmState) => ({
    state: state ?? (breaching >= m ? 'ALARM' : 'OK'),
    reason: `${breaching} of ${n} datapoints ${evaluated} ${symbol} ${alarm.threshold} (${m} needed for ALARM)`,
  });

  if (real.length === 0) {
    const reason = `no datapoints in the last ${datapoints.length} periods, treated as ${treatment}`;
    const state = {
      missing: 'INSUFFICIENT_DATA',
      ignore: current,
      breaching: 'ALARM',
      notBreaching: 'OK',
    } as const;
    return { state: state[treatment], reason };
  }
  if (real.length >= n) {
    const recent = real.slice(-n);
    return verdict(recent.filter(breaches).length, show(recent));
  }
  const breaching = real.filter(breaches).length;
  if (treatment === 'breaching' || treatment === 'notBreaching') {
    const filled = n - real.length;
    const total = breaching + (treatment === 'breaching' ? filled : 0);
    return verdict(total, `${show(real)} and ${filled} missing as ${treatment}`);
  }
  if (breaching >= m || breaching < real.length) return verdict(breaching, show(real));
  // Every real datapoint breaches, but fewer than M of them.
  const lastN = datapoints.slice(-n);
  const oldest = lastN.findIndex((v) => v !== undefined);
  const age = oldest === -1 ? 0 : n - oldest;
  if (age >= m) {
    return verdict(
      breaching,
      `${show(datapoints)}, the oldest breaching ${age} periods old`,
      treatment === 'missing' ? 'ALARM' : current,
    );
  }
  return verdict(
    breaching,
    `${show(datapoints)}, too recent to decide`,
    treatment === 'missing' ? 'INSUFFICIENT_DATA' : current,
  );
};
