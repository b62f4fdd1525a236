import { doneOf, formatFunctionError } from '../local/function-errors.ts';
import type { Check, VerifyReport } from './report.ts';

/** `174.0 s (setup 5.7 s, until drained 164.8 s, checks 3.5 s)`: the whole run and its parts. */
export const wallTimeOf = (report: VerifyReport): string =>
  `${report.wallSeconds.toFixed(1)} s (setup ${report.setupSeconds.toFixed(1)} s, until drained ${report.pipelineSeconds.toFixed(1)} s, checks ${report.checkSeconds.toFixed(1)} s)`;

const row = (label: string, value: string, width: number) => `  ${label.padEnd(width)}${value}`;
// A check that did not run reads `--` (its detail says why), never `ok`.
const mark = (ok: boolean | null) => (ok === null ? '--  ' : ok ? 'ok  ' : 'FAIL');
const checks = (list: readonly Check[]) => {
  const width = Math.max(0, ...list.map((c) => c.name.length)) + 7;
  return list.map((c) => row(`${mark(c.ok)} ${c.name}`, c.detail, width));
};

// A function's faults, by kind: `consumerCrash 3, ddbThrottle 2`.
const faultsOf = (faults: Partial<Record<string, number>> = {}) =>
  Object.entries(faults)
    .filter(([, n]) => (n ?? 0) > 0)
    .map(([kind, n]) => `${kind} ${n}`)
    .join(', ');

const redrivenFigure = (redriven: VerifyReport['redriven']) => {
  if (redriven.length === 0) return '0';
  const late = redriven.filter((r) => r.cause === 'late-invocation').length;
  const ids = redriven.slice(0, 3).map((r) => r.messageId);
  return `${redriven.length} (${late} after a late invocation, ${redriven.length - late} receives used up): ${ids.join(', ')}${redriven.length > 3 ? ', …' : ''}`;
};

/** The table printed at the end of a run, ending `ok: true` or `ok: false`. */
export const formatReport = (report: VerifyReport): string => {
  const { options } = report;
  const figures: [string, string][] = [
    ['sent / effects / dead-lettered', `${report.sent} / ${report.effects} / ${report.deadLettered}`],
    [
      'lost / duplicate effects / out of order',
      `${report.lost} / ${report.duplicateEffects} / ${report.orderViolations ?? '–'}`,
    ],
    ['processed / duplicates suppressed', `${report.processed} / ${report.duplicatesSuppressed}`],
    ['late commits fenced off', String(report.lateCommitsFenced ?? 0)],
    ...(report.groupWaits && report.groupWaits.count > 0
      ? [
          [
            'groups held back by a retry',
            `${report.groupWaits.count} times, median ${report.groupWaits.medianSeconds} s, max ${report.groupWaits.maxSeconds} s (${report.groupWaits.totalSeconds} s in all)`,
          ] as [string, string],
        ]
      : []),
    ['redriven to the DLQ by SQS', redrivenFigure(report.redriven ?? [])],
    ...(report.outage
      ? [
          [
            'downstream outage',
            `${report.outage.seconds} s, ${report.outage.requests} DynamoDB requests failed`,
          ] as [string, string],
        ]
      : []),
    ...(report.replay
      ? [
          [
            'replayed from the DLQ',
            `${report.replay.replayed} (${report.replay.held} held${report.replay.reasons.length > 0 ? `: ${report.replay.reasons.join('; ')}` : ''}, ${report.replay.skipped} poison left); ${report.reorderedAfterRedrive ?? 0} then applied after their successors`,
          ] as [string, string],
        ]
      : []),
    [
      'throughput',
      `${report.throughputPerSec.toFixed(0)} messages/s over ${report.pipelineSeconds.toFixed(1)} s${report.workloads.length > 0 ? ' (every workload)' : ''}`,
    ],
    [
      'DynamoDB requests per message',
      `${report.ddbRequestsPerMessage.toFixed(2)} (the consumers, retries included)`,
    ],
    ['wall time', wallTimeOf(report)],
  ];
  const figureWidth = Math.max(...figures.map(([label]) => label.length)) + 2;
  return [
    '',
    `reliable-events verify: ${report.messages} messages in ${options.groups} groups to ${report.queue}, seed ${options.seed}`,
    '',
    'functions',
    ...report.functions.flatMap((f) => [
      row(
        f.service,
        `${f.batches} batches, ${f.records} records, ${doneOf(f)}, ${f.errors} error${f.errors === 1 ? '' : 's'} (${f.code === 'asset' ? 'the synthesized asset' : 'the source'})`,
        26,
      ),
      ...(faultsOf(f.faults) ? [`    faults injected: ${faultsOf(f.faults)}`] : []),
      ...(f.firstErrors ?? []).map((e) => `    ${formatFunctionError(e)}`),
      ...(f.errors > (f.firstErrors ?? []).length ? [`    … ${f.errors - f.firstErrors.length} more`] : []),
    ]),
    ...report.notRun.map((f) => row(f.logicalId, `not run: ${f.reason}`, 26)),
    '',
    'invariants (from the tables and the dead-letter queues)',
    ...checks(report.invariants),
    ...(report.workloads ?? []).flatMap((w) => [
      '',
      `workload ${w.queue} (${w.promise}): ${w.messages} messages, ${w.sent} sent, ${w.effects} effects, ${w.deadLettered} dead-lettered`,
      ...checks(w.invariants),
    ]),
    ...(report.scenarioChecks.length > 0
      ? ['', "the scenario's checks", ...checks(report.scenarioChecks)]
      : []),
    '',
    'metrics against ground truth',
    ...checks(report.reconciliation),
    '',
    `alarms (evaluated locally, periods ${options.alarmPeriodScale}× shorter)`,
    ...report.alarms.alarms.map((a) => {
      const fired = a.transitions.filter((t) => t.to === 'ALARM').length;
      return row(
        a.logicalId,
        a.evaluated
          ? `${a.state.padEnd(18)}${fired > 0 ? `in ALARM ${fired}×, ` : ''}${a.transitions.length} transitions`
          : `not evaluated: ${a.reason}`,
        40,
      );
    }),
    ...checks(report.alarmChecks),
    '',
    'faults injected',
    ...Object.entries(report.faultsInjected).map(([kind, n]) => row(kind, String(n), 24)),
    ...checks(report.faultChecks ?? []),
    '',
    'figures',
    ...figures.map(([label, value]) => row(label, value, figureWidth)),
    '',
    `ok: ${report.ok}`,
  ].join('\n');
};
