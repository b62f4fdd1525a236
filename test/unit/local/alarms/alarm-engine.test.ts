import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../../lib/errors.ts';
import { createAlarmEngine } from '../../../../lib/local/alarms/alarm-engine.ts';
import { parseAlarmRule } from '../../../../lib/local/alarms/alarm-rule.ts';
import type { TemplateAlarms, TreatMissingData } from '../../../../lib/local/alarms/types.ts';
import { metricAlarm } from './metric-alarm-fixture.ts';

const T0 = 1_700_000_000_000;
const metric = { namespace: 'App', metricName: 'DeadLettered', dimensions: { Queue: 'orders' } };
const alarm = metricAlarm;
const engineOf = (alarms: Partial<TemplateAlarms>, periodScale = 60) => {
  let now = T0;
  const engine = createAlarmEngine({
    alarms: { metricAlarms: [], compositeAlarms: [], unsupported: [], ...alarms },
    periodScale,
    now: () => now,
  });
  const at = (ms: number) => {
    now = T0 + ms;
    engine.tick();
  };
  const put = (ms: number, value: number, extra: { unit?: string } = {}) =>
    engine.put(metric, { timestamp: T0 + ms, value, count: 1, ...extra });
  const states = () => Object.fromEntries(engine.report().map((r) => [r.name, r.state]));
  return { engine, at, put, states };
};

describe('the alarm engine on a shortened clock', () => {
  it('fires at the end of the period that breached, and clears once the datapoint leaves the range', () => {
    const { engine, at, put } = engineOf({ metricAlarms: [alarm('dlq')] });
    at(500);
    expect(engine.report()[0]?.state).toBe('INSUFFICIENT_DATA');
    put(300, 1);
    at(1_000);
    // The user guide: an alarm may re-evaluate the last datapoints for a while after the metric stops;
    // with 1 evaluation period the range is 3 periods, so the breach counts until it leaves them.
    at(3_999);
    at(4_000);
    const [report] = engine.report();
    expect(report?.transitions.map((t) => [t.from, t.to, t.at - T0])).toEqual([
      ['INSUFFICIENT_DATA', 'ALARM', 1_000],
      ['ALARM', 'OK', 4_000],
    ]);
    expect(report?.transitions[0]?.reason).toBe('1 of 1 datapoints [1] >= 1 (1 needed for ALARM)');
  });

  it('scales each period: unscaled, nothing is evaluated before 60 s', () => {
    const { engine, at, put } = engineOf({ metricAlarms: [alarm('dlq')] }, 1);
    put(300, 1);
    at(59_999);
    expect(engine.report()[0]?.state).toBe('INSUFFICIENT_DATA');
    at(60_000);
    expect(engine.report()[0]?.state).toBe('ALARM');
    expect(() => engineOf({}, 0)).toThrow(ConfigurationError);
  });

  it.each([
    ['missing', 'INSUFFICIENT_DATA'],
    ['ignore', 'INSUFFICIENT_DATA'],
    ['breaching', 'ALARM'],
    ['notBreaching', 'OK'],
  ] as [TreatMissingData, string][])('with no data at all, %s gives %s', (treatMissingData, state) => {
    const { engine, at } = engineOf({ metricAlarms: [alarm('a', { treatMissingData })] });
    at(1_000);
    expect(engine.report()[0]?.state).toBe(state);
  });

  it('computes the statistic over the period, counting only datapoints of the alarm unit', () => {
    const max = alarm('max', { statistic: 'Maximum', threshold: 5 });
    const count = alarm('count', { statistic: 'SampleCount', threshold: 3, unit: 'Count' });
    const { at, put, states } = engineOf({ metricAlarms: [max, count] });
    put(100, 2, { unit: 'Count' });
    put(200, 4, { unit: 'Count' });
    put(300, 6, { unit: 'Milliseconds' });
    at(1_000);
    expect(states()).toEqual({ max: 'ALARM', count: 'OK' });
  });

  it('fires M out of N across periods, and times each transition right after a pause', () => {
    const { engine, at, put } = engineOf({
      metricAlarms: [alarm('m', { evaluationPeriods: 3, datapointsToAlarm: 2 })],
    });
    put(100, 1);
    put(2_100, 1);
    at(2_500);
    expect(engine.report()[0]?.state).toBe('OK');
    at(3_000);
    expect(engine.report()[0]?.state).toBe('ALARM');
    at(1_000_000);
    expect(engine.report()[0]?.transitions.map((t) => [t.to, t.at - T0])).toEqual([
      ['OK', 1_000],
      ['ALARM', 3_000],
      // The first breach leaves the 5-period range at 6 s: 1 real breach and 2 missing, 1 of 2 needed.
      ['OK', 6_000],
    ]);
  });

  it('evaluates composites after their members, nested, at the member transition time', () => {
    const inner = { kind: 'composite' as const, logicalId: 'Inner', name: 'inner', arn: 'x', ruleText: '…' };
    const { engine, at, put, states } = engineOf({
      metricAlarms: [alarm('dlq'), alarm('quiet', { metric: { ...metric, metricName: 'Lost' } })],
      compositeAlarms: [
        { ...inner, logicalId: 'Outer', name: 'outer', rule: parseAlarmRule('ALARM(inner) AND OK(quiet)') },
        { ...inner, rule: parseAlarmRule('ALARM(dlq) OR ALARM(quiet)') },
      ],
    });
    at(10);
    expect(states()).toEqual({
      dlq: 'INSUFFICIENT_DATA',
      quiet: 'INSUFFICIENT_DATA',
      inner: 'OK',
      outer: 'OK',
    });
    put(500, 3);
    at(1_200);
    expect(states()).toEqual({ dlq: 'ALARM', quiet: 'OK', inner: 'ALARM', outer: 'ALARM' });
    const outer = engine.report().find((r) => r.name === 'outer');
    expect(outer?.transitions.at(-1)).toMatchObject({ from: 'OK', to: 'ALARM', at: T0 + 1_000 });
  });

  it('reports alarms it cannot evaluate, and composites that depend on them', () => {
    const engine = createAlarmEngine({
      alarms: {
        metricAlarms: [alarm('errors')],
        compositeAlarms: [
          {
            kind: 'composite',
            logicalId: 'C',
            name: 'c',
            arn: 'x',
            ruleText: 'r',
            rule: parseAlarmRule('ALARM(errors) OR ALARM(math)'),
          },
        ],
        unsupported: [
          { logicalId: 'M', name: 'math', type: 'AWS::CloudWatch::Alarm', reason: 'metric math' },
        ],
      },
      missingSource: (a) => (a.name === 'errors' ? 'no local source' : undefined),
    });
    engine.tick();
    expect(engine.report()).toEqual([
      expect.objectContaining({
        name: 'errors',
        evaluated: false,
        reason: 'no local source',
        state: 'INSUFFICIENT_DATA',
      }),
      expect.objectContaining({ name: 'math', evaluated: false, reason: 'metric math' }),
      expect.objectContaining({
        name: 'c',
        evaluated: true,
        state: 'OK',
        notEvaluatedMembers: ['errors', 'math'],
      }),
    ]);
  });
});
