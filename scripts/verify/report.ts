import type { CounterName } from '../../lib/metrics/index.ts';
import type { GroundTruth } from './check.ts';
import type { FaultKind, VerifyOptions } from './options.ts';
import type { PlannedOrder, SentWorkload } from './workload.ts';

/** One point of the run's timeline, taken every second. */
export type Sample = {
  t: number;
  sent: number;
  acked: number;
  inFlight: number;
  retried: number;
  deadLettered: number;
};

type Check = { name: string; ok: boolean; detail: string };
type Counters = Record<CounterName, number>;

export type VerifyReport = {
  ok: boolean;
  /** Messages sent: orders, poison included, and resends. */
  sent: number;
  orders: number;
  /** CapturePayment's MessagesProcessed: handler runs that finished. */
  processed: number;
  effects: number;
  lost: number;
  duplicateEffects: number;
  orderViolations: number;
  deadLettered: number;
  poison: number;
  /** CapturePayment's DuplicatesSuppressed. */
  duplicatesSuppressed: number;
  faultsInjected: Record<FaultKind, number>;
  throughputPerSec: number;
  wallSeconds: number;
  pipelineSeconds: number;
  /** CapturePayment's DynamoDB requests (retries and faulted ones included) per message sent. */
  ddbRequestsPerMessage: number;
  ddbRequests: Record<string, Record<string, number>>;
  drained: boolean;
  invariants: Check[];
  reconciliation: Check[];
  groundTruth: GroundTruth;
  metrics: Record<string, Counters>;
  options: Omit<VerifyOptions, 'json' | 'html' | 'quiet'>;
  timeline: Sample[];
};

const sum = (values: Record<string, number>) => Object.values(values).reduce((a, b) => a + b, 0);

export const buildReport = (input: {
  options: VerifyOptions;
  drained: boolean;
  truth: GroundTruth;
  sent: SentWorkload;
  orders: readonly PlannedOrder[];
  injected: Record<FaultKind, number>;
  metrics: { generator: Counters; capture: Counters; relay: Counters; all: Counters };
  requests: Record<string, Record<string, number>>;
  captureService: string;
  timedOutRecords: number;
  timeline: Sample[];
  seconds: { wall: number; pipeline: number; setup: number };
}): VerifyReport => {
  const { truth, sent, metrics } = input;
  const poison = input.orders.filter((o) => o.poison).length;
  const invariants: Check[] = [
    {
      name: 'the pipeline drained',
      ok: input.drained,
      detail: input.drained
        ? `in ${input.seconds.pipeline.toFixed(1)} s`
        : `not within ${input.options.drainTimeoutSeconds} s`,
    },
    {
      name: 'every non-poison order has exactly one effect',
      ok: truth.lost === 0 && truth.duplicateEffects === 0 && truth.ledgerDuplicates === 0,
      detail: `${truth.effects} effects, ${truth.lost} lost, ${truth.duplicateEffects} duplicate (${truth.ledgerDuplicates} in ledgers)`,
    },
    {
      name: 'no poison order has an effect',
      ok: truth.poisonEffects === 0,
      detail: `${truth.poisonEffects} poison paid`,
    },
    {
      name: "each group's effects are in sequence order",
      ok: truth.orderViolations === 0,
      detail: `${truth.orderViolations} out of order`,
    },
    {
      name: 'every poison order is in the DLQ, and nothing else',
      ok: truth.poisonMissingFromDlq === 0 && truth.goodOrdersInDlq === 0,
      detail: `${truth.deadLettered} dead-lettered of ${poison} poison; ${truth.poisonMissingFromDlq} missing, ${truth.goodOrdersInDlq} good orders`,
    },
    {
      name: 'every payment relayed and notified',
      ok: truth.unrelayed === 0 && truth.unnotified === 0 && truth.eventsDeadLettered === 0,
      detail: `${truth.unrelayed} unrelayed, ${truth.unnotified} unnotified, ${truth.eventsDeadLettered} events dead-lettered`,
    },
  ];
  const relation = (name: string, metric: number, op: '=' | '≥', truthValue: number, why: string): Check => ({
    name,
    ok: op === '=' ? metric === truthValue : metric >= truthValue,
    detail: `${metric} ${op} ${truthValue} (${why})`,
  });
  const reconciliation: Check[] = [
    relation(
      'MessagesSent (producer)',
      metrics.generator.MessagesSent,
      '=',
      sent.messages,
      'messages SQS accepted',
    ),
    relation(
      'MessagesReceived',
      metrics.capture.MessagesReceived,
      '≥',
      sent.messages - input.timedOutRecords,
      'each sent message, at least once, less batches cut off by a timeout',
    ),
    relation(
      'MessagesProcessed',
      metrics.capture.MessagesProcessed,
      '≥',
      truth.effects - input.timedOutRecords,
      'effects; a timed-out invocation never flushes its metrics',
    ),
    relation(
      'DuplicatesSuppressed',
      metrics.capture.DuplicatesSuppressed,
      '≥',
      sent.resent,
      'every resent order',
    ),
    relation(
      'MessagesDeadLettered',
      metrics.capture.MessagesDeadLettered,
      '≥',
      truth.deadLettered,
      'messages in the DLQ',
    ),
    relation('MessagesLost', metrics.all.MessagesLost, '=', truth.lost, 'orders with no effect'),
    relation(
      'MessagesSent (relay)',
      metrics.relay.MessagesSent,
      '≥',
      truth.effects - truth.unrelayed,
      'relayed events',
    ),
  ];
  const captureRequests = sum(input.requests[input.captureService] ?? {});
  const { json: _json, html: _html, quiet: _quiet, ...options } = input.options;
  return {
    ok: invariants.every((c) => c.ok) && reconciliation.every((c) => c.ok),
    sent: sent.messages,
    orders: input.orders.length,
    processed: metrics.capture.MessagesProcessed,
    effects: truth.effects,
    lost: truth.lost,
    duplicateEffects: truth.duplicateEffects,
    orderViolations: truth.orderViolations,
    deadLettered: truth.deadLettered,
    poison,
    duplicatesSuppressed: metrics.capture.DuplicatesSuppressed,
    faultsInjected: input.injected,
    throughputPerSec: sent.messages / Math.max(input.seconds.pipeline, 0.001),
    wallSeconds: input.seconds.wall,
    pipelineSeconds: input.seconds.pipeline,
    ddbRequestsPerMessage: captureRequests / Math.max(sent.messages, 1),
    ddbRequests: input.requests,
    drained: input.drained,
    invariants,
    reconciliation,
    groundTruth: truth,
    metrics: { ...metrics },
    options,
    timeline: input.timeline,
  };
};

// Label column of the figures: fits the longest label.
const FIGURE_WIDTH = 42;
const row = (label: string, value: string, width = 50) => `  ${label.padEnd(width)}${value}`;

const commitLabel = (options: VerifyReport['options']) =>
  `${options.effectConditional ? 'effect-conditional' : options.optimistic ? 'optimistic commit' : 'leases'}` +
  (options.groupCommit ? ', group commit' : '');

/** The final table printed at the end of a run. */
export const formatReport = (report: VerifyReport): string => {
  const { options } = report;
  const mark = (ok: boolean) => (ok ? 'ok  ' : 'FAIL');
  return [
    '',
    `reliable-events verify: ${report.orders} orders in ${options.groups} groups, seed ${options.seed}, ` +
      `CapturePayment ${options.protection ? `exactly-once, ${commitLabel(options)}` : 'at-least-once (protection off)'}`,
    '',
    'invariants (from the effect tables and the DLQ)',
    ...report.invariants.map((c) => row(`${mark(c.ok)} ${c.name}`, c.detail, 56)),
    '',
    'metrics against ground truth',
    ...report.reconciliation.map((c) => row(`${mark(c.ok)} ${c.name}`, c.detail, 32)),
    '',
    'faults injected',
    ...Object.entries(report.faultsInjected).map(([kind, n]) => row(kind, String(n), 24)),
    '',
    'figures',
    row(
      'sent / effects / dead-lettered',
      `${report.sent} / ${report.effects} / ${report.deadLettered}`,
      FIGURE_WIDTH,
    ),
    row(
      'lost / duplicate effects / out of order',
      `${report.lost} / ${report.duplicateEffects} / ${report.orderViolations}`,
      FIGURE_WIDTH,
    ),
    row(
      'processed / duplicates suppressed',
      `${report.processed} / ${report.duplicatesSuppressed}`,
      FIGURE_WIDTH,
    ),
    row(
      'throughput',
      `${report.throughputPerSec.toFixed(0)} messages/s over ${report.pipelineSeconds.toFixed(1)} s`,
      FIGURE_WIDTH,
    ),
    row(
      'DynamoDB requests per message',
      `${report.ddbRequestsPerMessage.toFixed(2)} (CapturePayment, retries included)`,
      FIGURE_WIDTH,
    ),
    row('wall time', `${report.wallSeconds.toFixed(1)} s`, FIGURE_WIDTH),
    '',
    `ok: ${report.ok}`,
  ].join('\n');
};
