import { describe, expect, it } from 'vitest';
import {
  type AlarmCriteria,
  evaluateDatapoints,
  evaluationRange,
} from '../../../../lib/local/alarms/evaluate-metric-alarm.ts';
import type { AlarmState, TreatMissingData } from '../../../../lib/local/alarms/types.ts';

// The user guide's tables, "How alarm state is evaluated when data is missing": 0 is a datapoint
// within the threshold, X one that breaches it, - a missing one; the most recent is on the right.
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarms-evaluating-missing-data
const datapoints = (row: string) => row.split(' ').map((c) => (c === '-' ? undefined : c === 'X' ? 5 : 0));
const criteria = (m: number, treatMissingData: TreatMissingData): AlarmCriteria => ({
  evaluationPeriods: 3,
  datapointsToAlarm: m,
  threshold: 1,
  comparison: 'GreaterThanOrEqualToThreshold',
  treatMissingData,
});
const RETAIN = 'retain';
type Expected = AlarmState | typeof RETAIN;
const treatments: TreatMissingData[] = ['missing', 'ignore', 'breaching', 'notBreaching'];

const check = (m: number, row: string, expected: Expected[]) => {
  treatments.forEach((treatment, i) => {
    for (const current of ['OK', 'ALARM'] as const) {
      const { state } = evaluateDatapoints(criteria(m, treatment), datapoints(row), current);
      expect(state, `${row} ${treatment} from ${current}`).toBe(
        expected[i] === RETAIN ? current : expected[i],
      );
    }
  });
};

describe('evaluateDatapoints: the documented tables', () => {
  it('has an evaluation range of 5 for 3 evaluation periods, as in the examples', () => {
    expect(evaluationRange(3)).toBe(5);
  });

  it.each([
    ['0 - X - X', ['OK', 'OK', 'OK', 'OK']],
    ['0 - - - -', ['OK', 'OK', 'OK', 'OK']],
    ['- - - - -', ['INSUFFICIENT_DATA', RETAIN, 'ALARM', 'OK']],
    ['0 X X - X', ['ALARM', 'ALARM', 'ALARM', 'ALARM']],
    ['- - X - -', ['ALARM', RETAIN, 'ALARM', 'OK']],
    // From the guide's earlier edition: a lone recent breach is too early to decide.
    ['- - - - X', ['INSUFFICIENT_DATA', RETAIN, 'ALARM', 'OK']],
  ] as [string, Expected[]][])('3 out of 3: %s', (row, expected) => check(3, row, expected));

  it.each([
    ['0 - X - X', ['ALARM', 'ALARM', 'ALARM', 'ALARM']],
    ['0 0 X 0 X', ['ALARM', 'ALARM', 'ALARM', 'ALARM']],
    ['0 - X - -', ['OK', 'OK', 'ALARM', 'OK']],
    ['- - - - 0', ['OK', 'OK', 'ALARM', 'OK']],
    ['- - - X -', ['ALARM', RETAIN, 'ALARM', 'OK']],
    ['- - - - X', ['INSUFFICIENT_DATA', RETAIN, 'ALARM', 'OK']],
  ] as [string, Expected[]][])('2 out of 3: %s', (row, expected) => check(2, row, expected));
});

describe('evaluateDatapoints: M out of N and comparisons', () => {
  const alarm = (comparison: AlarmCriteria['comparison']): AlarmCriteria => ({
    ...criteria(1, 'notBreaching'),
    evaluationPeriods: 1,
    threshold: 10,
    comparison,
  });
  it.each([
    ['GreaterThanOrEqualToThreshold', [10, 'ALARM'], [9, 'OK']],
    ['GreaterThanThreshold', [11, 'ALARM'], [10, 'OK']],
    ['LessThanThreshold', [9, 'ALARM'], [10, 'OK']],
    ['LessThanOrEqualToThreshold', [10, 'ALARM'], [11, 'OK']],
  ] as const)('%s', (comparison, [breach, alarmState], [within, okState]) => {
    expect(evaluateDatapoints(alarm(comparison), [undefined, undefined, breach], 'OK').state).toBe(
      alarmState,
    );
    expect(evaluateDatapoints(alarm(comparison), [undefined, undefined, within], 'ALARM').state).toBe(
      okState,
    );
  });

  it('counts breaching datapoints that are not consecutive, within the last N only', () => {
    const twoOfFour = { ...criteria(2, 'missing'), evaluationPeriods: 4 };
    expect(evaluateDatapoints(twoOfFour, [0, 0, 5, 0, 5, 0], 'OK').state).toBe('ALARM');
    expect(evaluateDatapoints(twoOfFour, [5, 5, 0, 0, 5, 0], 'OK').state).toBe('OK');
  });

  it('says why, with the datapoints it evaluated', () => {
    const { reason } = evaluateDatapoints(criteria(2, 'missing'), [0, 0, 5, 0, 5], 'OK');
    expect(reason).toBe('2 of 3 datapoints [5, 0, 5] >= 1 (2 needed for ALARM)');
  });
});
