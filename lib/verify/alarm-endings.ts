import { membersOf } from '../local/alarms/alarm-rule.ts';
import { FEED_HINT } from '../local/alarms/coverage.ts';
import type { MetricAlarm } from '../local/alarms/index.ts';
import type { AlarmsReport, TemplateAlarms } from '../local/index.ts';
import type { FaultKind } from './options.ts';
import type { Check } from './report.ts';

// The injected faults that end an invocation in a function error: AWS/Lambda Errors counts them.
const FAILING_INVOCATIONS: readonly FaultKind[] = ['consumerCrash', 'lambdaTimeout'];

/** Whether a logical id is one the scenario named, or starts with one (CDK adds a hash). */
const named = (names: readonly string[], logicalId: string) => names.some((n) => logicalId.startsWith(n));

/**
 * Why each alarm that is in ALARM when the run ends is there: expected by the scenario — a
 * dead-letter alarm of the driven queue after its poison or SQS's redrive of late invocations'
 * records, a Lambda Errors alarm after injected crashes or timeouts, a Throttles alarm after
 * injected late invocations (throttled invokes), an alarm the scenario lists in `expectedAlarms`, a composite whose members
 * in ALARM are all expected — or a finding, which fails the run: the deployed alarm would be
 * firing after this workload, and nothing the run did on purpose explains it. Alarms already
 * checked to stay quiet are left to that check.
 */
export const alarmEndings = (
  alarms: TemplateAlarms,
  report: AlarmsReport,
  input: {
    poison: number;
    deadLetter: readonly MetricAlarm[];
    quiet: readonly MetricAlarm[];
    injected: Readonly<Record<FaultKind, number>>;
    expectedAlarms?: readonly string[] | undefined;
    /** Good messages SQS itself moved to the DLQ after injected late invocations. @default 0 */
    redrivenLate?: number;
  },
): Check[] => {
  const redrivenLate = input.redrivenLate ?? 0;
  const failing = FAILING_INVOCATIONS.filter((kind) => input.injected[kind] > 0);
  const byName = new Map(alarms.metricAlarms.map((a) => [a.name, a]));
  const quiet = new Set(input.quiet.map((a) => a.name));
  const why = new Map<string, string | undefined>();
  const explain = (name: string): string | undefined => {
    if (why.has(name)) return why.get(name);
    const entry = report.alarms.find((a) => a.name === name);
    const metric = byName.get(name);
    const composite = alarms.compositeAlarms.find((c) => c.name === name);
    let reason: string | undefined;
    if (entry && named(input.expectedAlarms ?? [], entry.logicalId)) {
      reason = "expected: the scenario's expectedAlarms lists it";
    } else if (input.poison > 0 && input.deadLetter.some((a) => a.name === name)) {
      reason = `expected: the ${input.poison} poison messages the run sent are in the dead-letter queue, by design`;
    } else if (redrivenLate > 0 && input.deadLetter.some((a) => a.name === name)) {
      reason = `expected: SQS moved ${redrivenLate} messages to the dead-letter queue while injected late invocations held them`;
    } else if (metric?.metric.namespace === 'AWS/Lambda' && metric.metric.metricName === 'Throttles') {
      if (input.injected.lateInvocation > 0)
        reason = `expected: the injected late invocations (${input.injected.lateInvocation}) began as throttled invokes`;
    } else if (metric?.metric.namespace === 'AWS/Lambda' && metric.metric.metricName === 'Errors') {
      if (failing.length > 0)
        reason = `expected: the injected ${failing.map((k) => `${k} (${input.injected[k]})`).join(' and ')} end invocations in a function error`;
    } else if (composite) {
      const firing = membersOf(composite.rule).filter(
        (m) => report.alarms.find((a) => a.name === m)?.state === 'ALARM',
      );
      const reasons = firing.map(explain);
      if (firing.length > 0 && reasons.every((r) => r !== undefined))
        reason = `expected: its members in ALARM are expected (${firing.map((m) => report.alarms.find((a) => a.name === m)!.logicalId).join(', ')})`;
    }
    why.set(name, reason);
    return reason;
  };
  return report.alarms
    .filter((a) => a.evaluated && a.state === 'ALARM' && !quiet.has(a.name))
    .map((a) => {
      const reason = explain(a.name);
      return {
        name: `${a.logicalId} in ALARM at the end`,
        ok: reason !== undefined,
        detail:
          reason ??
          `a finding: nothing the run injected explains it (${a.reason}); deployed, it would be firing after this workload. If the workload sets it off on purpose, list it in the scenario's expectedAlarms`,
      };
    });
};

/**
 * An unevaluated alarm's reason, for the command's user: what the run can and cannot do about it,
 * instead of the library's way to feed a metric (`put()`), which a `verify` user cannot reach.
 */
export const cliReason = (reason: string): string => {
  if (!reason.includes(FEED_HINT)) return reason;
  const fact = reason.replace(FEED_HINT, '');
  return `${fact}; nothing to do for this run: it cannot fire locally and does not count toward ok, and it deploys as it is`;
};

/** The report with each unevaluated alarm's reason put for the command's user ({@link cliReason}). */
export const forCli = (report: AlarmsReport): AlarmsReport => ({
  ...report,
  alarms: report.alarms.map((a) => (a.evaluated ? a : { ...a, reason: cliReason(a.reason) })),
});
