import { describe, expect, it } from 'vitest';
import { missingSourceOf } from '../../../lib/local/alarms/coverage.ts';
import type {
  AlarmReport,
  AlarmState,
  CompositeAlarm,
  MetricAlarm,
  TemplateAlarms,
} from '../../../lib/local/alarms/index.ts';
import { alarmEndings, cliReason, forCli } from '../../../lib/verify/alarm-endings.ts';
import { verifyDefaults } from '../../../lib/verify/options.ts';

const metricAlarm = (logicalId: string, namespace: string, metricName: string, dimensions = {}) =>
  ({
    kind: 'metric',
    logicalId,
    name: `app-${logicalId}`,
    arn: `arn:aws:cloudwatch:us-east-1:000000000000:alarm:app-${logicalId}`,
    metric: { namespace, metricName, dimensions },
    statistic: 'Sum',
    periodSeconds: 60,
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
    threshold: 1,
    comparison: 'GreaterThanOrEqualToThreshold',
    treatMissingData: 'notBreaching',
  }) as MetricAlarm;

const deadLetters = metricAlarm('DeadLetters0ABC', 'AWS/SQS', 'ApproximateNumberOfMessagesVisible', {
  QueueName: 'orders-dlq',
});
const errors = metricAlarm('Errors0ABC', 'AWS/Lambda', 'Errors', { FunctionName: 'Capture' });
const lost = metricAlarm('Lost0ABC', 'ReliableEvents', 'MessagesLost');
const sendFailures = metricAlarm('SendFailures0ABC', 'ReliableEvents', 'SendFailures');
const unhealthy = {
  kind: 'composite',
  logicalId: 'PipelineUnhealthy0ABC',
  name: 'app-PipelineUnhealthy0ABC',
  arn: 'arn',
  rule: {
    op: 'or',
    operands: [deadLetters, errors, sendFailures].map((a) => ({
      op: 'state' as const,
      state: 'ALARM' as const,
      alarm: a.name,
    })),
  },
  ruleText: '…',
} as CompositeAlarm;
const template: TemplateAlarms = {
  metricAlarms: [deadLetters, errors, lost, sendFailures],
  compositeAlarms: [unhealthy],
  unsupported: [],
};

/** The report at the end of a run: the named alarms in ALARM, the others OK. */
const ending = (inAlarm: string[]) => ({
  problems: [],
  alarms: [...template.metricAlarms, ...template.compositeAlarms].map(
    (a): AlarmReport => ({
      name: a.name,
      logicalId: a.logicalId,
      type: a.kind,
      evaluated: true,
      state: (inAlarm.includes(a.logicalId) ? 'ALARM' : 'OK') as AlarmState,
      reason: `Threshold crossed for ${a.logicalId}`,
      transitions: [],
    }),
  ),
});
const injected = { ...verifyDefaults.rates, poison: 0, consumerCrash: 0, lambdaTimeout: 0 };
const input = { poison: 4, deadLetter: [deadLetters], quiet: [lost], injected };

describe('an alarm in ALARM at the end of a run', () => {
  it('is explained as expected: a dead-letter alarm after poison, its composite, Errors after injected crashes', () => {
    const checks = alarmEndings(
      template,
      ending(['DeadLetters0ABC', 'Errors0ABC', 'PipelineUnhealthy0ABC']),
      {
        ...input,
        injected: { ...injected, consumerCrash: 3 },
      },
    );
    expect(checks.map((c) => [c.name, c.ok])).toEqual([
      ['DeadLetters0ABC in ALARM at the end', true],
      ['Errors0ABC in ALARM at the end', true],
      ['PipelineUnhealthy0ABC in ALARM at the end', true],
    ]);
    expect(checks[0]!.detail).toMatch(/4 poison messages the run sent are in the dead-letter queue/);
    expect(checks[1]!.detail).toMatch(/consumerCrash \(3\)/);
    expect(checks[2]!.detail).toMatch(/members in ALARM are expected \(DeadLetters0ABC, Errors0ABC\)/);
  });

  it('is a finding that fails the run when nothing the run did explains it, and its composite too', () => {
    const checks = alarmEndings(
      template,
      ending(['Errors0ABC', 'SendFailures0ABC', 'PipelineUnhealthy0ABC']),
      input,
    );
    expect(checks.map((c) => [c.name, c.ok])).toEqual([
      ['Errors0ABC in ALARM at the end', false],
      ['SendFailures0ABC in ALARM at the end', false],
      ['PipelineUnhealthy0ABC in ALARM at the end', false],
    ]);
    expect(checks[1]!.detail).toMatch(/^a finding: nothing the run injected explains it \(Threshold crossed/);
    expect(checks[1]!.detail).toMatch(/expectedAlarms/);
  });

  it("is expected when the scenario's expectedAlarms names it, by logical id or its start", () => {
    const checks = alarmEndings(template, ending(['SendFailures0ABC', 'PipelineUnhealthy0ABC']), {
      ...input,
      expectedAlarms: ['SendFailures'],
    });
    expect(checks.map((c) => c.ok)).toEqual([true, true]);
  });

  it('leaves a lost-messages alarm to its own check, and says nothing of alarms that ended OK', () => {
    expect(alarmEndings(template, ending(['Lost0ABC']), input)).toEqual([]);
    expect(alarmEndings(template, ending([]), input)).toEqual([]);
  });
});

describe('an alarm the run cannot evaluate', () => {
  // Lambda's Duration: no local source reports it (Invocations, Errors and Throttles it does).
  const throttles = metricAlarm('Duration0ABC', 'AWS/Lambda', 'Duration', { FunctionName: 'Capture' });

  it('says what it means for a command user, not how the library feeds a metric', () => {
    const reason = missingSourceOf(throttles, { lambdaFunctions: ['Capture'] })!;
    expect(reason).toMatch(/put\(\)/); // the library's own reason, for a caller of createAlarmEvaluator
    const forUser = cliReason(reason);
    expect(forUser).not.toMatch(/put\(\)|fedMetrics/);
    expect(forUser).toMatch(/^no local source reports AWS\/Lambda Duration FunctionName=Capture/);
    expect(forUser).toMatch(/does not count toward ok/);
  });

  it('keeps every other reason, and the evaluated alarms, as they are', () => {
    expect(cliReason('metric math is not evaluated locally')).toBe('metric math is not evaluated locally');
    const report = ending(['Errors0ABC']);
    const notEvaluated = { ...report.alarms[0]!, evaluated: false, reason: missingSourceOf(throttles, {})! };
    const { alarms } = forCli({ ...report, alarms: [notEvaluated, report.alarms[1]!] });
    expect(alarms[0]!.reason).not.toMatch(/put\(\)/);
    expect(alarms[1]).toBe(report.alarms[1]);
  });
});
