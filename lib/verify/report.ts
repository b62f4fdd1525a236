import type { BatchCounts } from '../local/function-errors.ts';
import type { AlarmsReport, NotRunFunction } from '../local/index.ts';
import { COUNTERS, type CounterName } from '../metrics/names.ts';
import type { GroundTruth } from './check.ts';
import { faultCoverage } from './fault-coverage.ts';
import type { FaultKind, VerifyOptions } from './options.ts';
import type { ReplayPhase } from './replay-phase.ts';
import type { Check, DeliveryPromise } from './scenario.ts';
import { type WaitSketch, waitSketch } from './wait-sketch.ts';
import type { PlanView, SentWorkload } from './workload.ts';
import { messageInvariants, type WorkloadReport } from './workload-checks.ts';

/** One point of the run's timeline, taken every second. */
export type Sample = {
  t: number;
  sent: number;
  acked: number;
  inFlight: number;
  retried: number;
  deadLettered: number;
};

/** What one function did during the run, from its event source's batches; its errors, and the first few of them. */
export type FunctionActivity = BatchCounts & {
  logicalId: string;
  service: string;
  code: 'asset' | 'source';
  retried: number;
  timedOut: number;
  /**
   * FIFO: each time a group stood still after a batch returned its records, how long, until its
   * next receive — counted, not listed (its JSON is its summary).
   */
  groupWaits?: WaitSketch;
  /** The faults injected into this function, by kind (none: the kind is absent). */
  faults?: Partial<Record<FaultKind, number>>;
};

export type { Check } from './scenario.ts';

type Counters = Record<CounterName, number>;

export type VerifyReport = {
  ok: boolean;
  /** What the driven queue's consumer promises, which the effect invariant follows. */
  promise: DeliveryPromise;
  /** The scenario's other workloads (`workloads`), each with its own invariants. */
  workloads: WorkloadReport[];
  /** The driven queue's logical id. */
  queue: string;
  /** Messages sent: the workload, poison included, and resends. */
  sent: number;
  /** Messages the scenario generated. */
  messages: number;
  /** The consumers' MessagesProcessed: handler runs that finished. */
  processed: number;
  effects: number;
  lost: number;
  duplicateEffects: number;
  orderViolations: number | null;
  deadLettered: number;
  poison: number;
  /** The consumers' DuplicatesSuppressed. */
  duplicatesSuppressed: number;
  /** The consumers' LateCommitsFenced: commits the FIFO fence cancelled because their group had moved on. */
  lateCommitsFenced: number;
  /** Good messages SQS itself moved to the DLQ, with the cause the run knows (their message ids). */
  redriven: GroundTruth['redriven'];
  /** Keys applied after their successors once the DLQ held them (a resend, `--replay`): the DLQ's reordering, not the consumer's. */
  reorderedAfterRedrive: number;
  /** `--replay`: the dead letters sent back after the app drained. */
  replay?: ReplayPhase;
  /** How long the consumers' FIFO groups stood still after a batch returned their records (retry backoff, visibility timeouts). */
  groupWaits: { count: number; medianSeconds: number; maxSeconds: number; totalSeconds: number };
  /** `--outage`: how long the downstream was down, and the requests it failed. */
  outage?: { seconds: number; requests: number };
  faultsInjected: Record<FaultKind, number>;
  /** Fault kinds enabled by a rate that fired fewer than the minimum times: the run did not exercise them. */
  unexercised: FaultKind[];
  /** Whether every enabled fault kind fired the minimum number of times. */
  faultChecks: Check[];
  throughputPerSec: number;
  /** The whole run: setup, then sending and consuming until drained, then the checks. */
  wallSeconds: number;
  /** From the first message sent until the app drained. */
  pipelineSeconds: number;
  /** Deploying the app locally and warming its functions, before the first message. */
  setupSeconds: number;
  /** From the drain to the report: confirming it (the scenario's `pending`) and reading the ground truth. */
  checkSeconds: number;
  /** The consumers' DynamoDB requests (retries and faulted ones included) per message sent. */
  ddbRequestsPerMessage: number;
  ddbRequests: Record<string, Record<string, number>>;
  drained: boolean;
  invariants: Check[];
  reconciliation: Check[];
  scenarioChecks: Check[];
  /** Every alarm of the app, evaluated locally, with its transitions (`at` in epoch ms). */
  alarms: AlarmsReport;
  /** The dead-letter alarms fired after poison, the lost-messages alarms stayed quiet. */
  alarmChecks: Check[];
  functions: FunctionActivity[];
  notRun: NotRunFunction[];
  groundTruth: GroundTruth;
  metrics: Record<string, Counters>;
  options: VerifyOptions;
  /** When the first message was sent (epoch ms): the timeline's 0 s. */
  timelineStartedAt: number;
  timeline: Sample[];
};

const sum = (values: Record<string, number>) => Object.values(values).reduce((a, b) => a + b, 0);
const add = (a: Counters, b: Counters) =>
  Object.fromEntries(Object.keys(a).map((k) => [k, a[k as CounterName] + b[k as CounterName]])) as Counters;

const summarizeWaits = (sketches: readonly WaitSketch[]) => {
  const all = waitSketch();
  for (const sketch of sketches) all.merge(sketch);
  return all.summary();
};

const relation = (name: string, metric: number, op: '=' | '≥', truth: number, why: string): Check => ({
  name,
  ok: op === '=' ? metric === truth : metric >= truth,
  detail: `${metric} ${op} ${truth} (${why})`,
});

export const buildReport = (input: {
  /** What the driven queue's consumer promises. @default 'exactly-once' */
  promise?: DeliveryPromise;
  /** The other workloads' reports. @default none */
  workloads?: WorkloadReport[];
  alarms: AlarmsReport;
  alarmChecks: Check[];
  options: VerifyOptions;
  queue: string;
  drained: boolean;
  truth: GroundTruth;
  sent: SentWorkload;
  plan: Pick<PlanView, 'size' | 'poison'>;
  injected: Record<FaultKind, number>;
  replay?: ReplayPhase;
  outage?: { seconds: number; requests: number };
  producerMetrics: Counters;
  consumerServices: string[];
  metrics: (service?: string) => Counters;
  requests: Record<string, Record<string, number>>;
  functions: FunctionActivity[];
  notRun: NotRunFunction[];
  timeline: Sample[];
  timelineStartedAt: number;
  seconds: { wall: number; pipeline: number; setup: number; checks: number };
}): VerifyReport => {
  const { truth, sent } = input;
  const poison = input.plan.poison;
  const otherDead = sum(input.truth.otherDeadLettered);
  const invariants: Check[] = [
    {
      name: 'the app drained',
      ok: input.drained,
      detail: input.drained
        ? `in ${input.seconds.pipeline.toFixed(1)} s`
        : `not within ${input.options.drainTimeoutSeconds} s`,
    },
    ...messageInvariants(truth, input.promise ?? 'exactly-once', poison),
    {
      name: 'nothing left in the other dead-letter queues',
      ok: otherDead === 0,
      detail: `${otherDead} in ${Object.keys(truth.otherDeadLettered).length} other DLQs`,
    },
  ];
  const consumers = input.consumerServices
    .map((service) => input.metrics(service))
    .reduce(add, Object.fromEntries(COUNTERS.map((name) => [name, 0])) as Counters);
  const timedOut = input.functions
    .filter((f) => input.consumerServices.includes(f.service))
    .reduce((n, f) => n + f.timedOut, 0);
  const emitsMetrics = sum(consumers) > 0;
  const reconciliation: Check[] = emitsMetrics
    ? [
        relation(
          'MessagesSent (producer)',
          input.producerMetrics.MessagesSent,
          '=',
          sent.messages,
          'messages SQS accepted',
        ),
        relation(
          'MessagesReceived',
          consumers.MessagesReceived,
          '≥',
          sent.messages - timedOut,
          'each sent message, at least once, less batches cut off by a timeout',
        ),
        relation(
          'MessagesProcessed',
          consumers.MessagesProcessed,
          '≥',
          truth.effects - timedOut,
          'effects; a timed-out invocation never flushes its metrics',
        ),
        input.promise === 'at-least-once'
          ? {
              name: 'DuplicatesSuppressed',
              ok: null,
              detail: `not checked: an at-least-once consumer suppresses no duplicates (${consumers.DuplicatesSuppressed})`,
            }
          : relation(
              'DuplicatesSuppressed',
              consumers.DuplicatesSuppressed,
              '≥',
              sent.resent,
              'every resent message',
            ),
        relation(
          'MessagesDeadLettered',
          consumers.MessagesDeadLettered,
          '≥',
          truth.deadLettered - truth.redriven.length,
          'messages in the DLQ, but those SQS moved there itself',
        ),
        relation('MessagesLost', input.metrics().MessagesLost, '=', truth.lost, 'messages with no effect'),
      ]
    : [
        {
          name: 'reliability metrics',
          ok: null,
          detail: `not reconciled: ${input.consumerServices.join(', ')} emit none (not built on reliable-events/sqs)`,
        },
      ];
  const consumerRequests = input.consumerServices.reduce((n, s) => n + sum(input.requests[s] ?? {}), 0);
  const scenarioChecks = truth.scenarioChecks;
  const { unexercised, faultChecks } = faultCoverage(input.options, input.injected);
  return {
    ok: [
      ...invariants,
      ...reconciliation,
      ...scenarioChecks,
      ...input.alarmChecks,
      ...faultChecks,
      ...(input.workloads ?? []).flatMap((w) => w.invariants),
    ].every((c) => c.ok !== false),
    promise: input.promise ?? 'exactly-once',
    workloads: input.workloads ?? [],
    queue: input.queue,
    sent: sent.messages,
    messages: input.plan.size,
    processed: consumers.MessagesProcessed,
    effects: truth.effects,
    lost: truth.lost,
    duplicateEffects: truth.duplicateEffects,
    orderViolations: truth.orderViolations,
    deadLettered: truth.deadLettered,
    poison,
    duplicatesSuppressed: consumers.DuplicatesSuppressed,
    lateCommitsFenced: consumers.LateCommitsFenced,
    groupWaits: summarizeWaits(
      input.functions
        .filter((f) => input.consumerServices.includes(f.service))
        .flatMap((f) => f.groupWaits ?? []),
    ),
    redriven: truth.redriven,
    reorderedAfterRedrive: truth.reorderedAfterRedrive,
    ...(input.replay ? { replay: input.replay } : {}),
    ...(input.outage ? { outage: input.outage } : {}),
    faultsInjected: input.injected,
    unexercised,
    faultChecks,
    // Every workload's messages went through in the same time.
    throughputPerSec:
      (sent.messages + (input.workloads ?? []).reduce((n, w) => n + w.sent, 0)) /
      Math.max(input.seconds.pipeline, 0.001),
    wallSeconds: input.seconds.wall,
    pipelineSeconds: input.seconds.pipeline,
    setupSeconds: input.seconds.setup,
    checkSeconds: input.seconds.checks,
    ddbRequestsPerMessage: consumerRequests / Math.max(sent.messages, 1),
    ddbRequests: input.requests,
    drained: input.drained,
    invariants,
    reconciliation,
    scenarioChecks,
    alarms: input.alarms,
    alarmChecks: input.alarmChecks,
    functions: input.functions,
    notRun: input.notRun,
    groundTruth: truth,
    metrics: {
      producer: input.producerMetrics,
      consumers,
      ...Object.fromEntries(input.functions.map((f) => [f.service, input.metrics(f.service)])),
    },
    options: input.options,
    timelineStartedAt: input.timelineStartedAt,
    timeline: input.timeline,
  };
};
