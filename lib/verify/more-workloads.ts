import type { SQSClient } from '@aws-sdk/client-sqs';
import type { LocalDeployment, LocalQueue } from '../local/index.ts';
import { createReliabilityMetrics, memorySink } from '../metrics/index.ts';
import { createProducer } from '../producer/index.ts';
import { checkGroundTruth, dlqArnOf } from './check.ts';
import { findQueue } from './context.ts';
import { ScenarioError } from './errors.ts';
import type { VerifyOptions } from './options.ts';
import { seededRandom } from './random.ts';
import type { Scenario, ScenarioContext, Workload } from './scenario.ts';
import { sendMessages } from './send-workload.ts';
import { type Plan, planWorkload, type SentWorkload } from './workload.ts';
import { type WorkloadReport, workloadReport } from './workload-checks.ts';

/** One of the scenario's other workloads, with its queue and the functions that consume it. */
export type DrivenWorkload = { workload: Workload; driven: LocalQueue; consumers: string[] };

/** The scenario's other workloads (`workloads`) on the deployment; each needs a consumer that runs locally. */
export const drivenWorkloads = (scenario: Scenario, deployment: LocalDeployment): DrivenWorkload[] =>
  (scenario.workloads ?? []).map((workload) => {
    const driven = findQueue(deployment, workload.queue);
    const running = new Set(deployment.functions.map((fn) => fn.logicalId));
    const consumers = deployment.eventSources
      .filter((s) => s.sourceArn === driven.arn && running.has(s.functionLogicalId))
      .map((s) => s.functionLogicalId);
    if (consumers.length === 0)
      throw new ScenarioError(
        `No function that runs locally consumes ${driven.logicalId} (a workload's queue): drive a queue with an SQS event source.`,
      );
    return { workload, driven, consumers };
  });

/** Each workload's messages, from a generator seeded apart from the first workload's. */
export const planWorkloads = (workloads: readonly DrivenWorkload[], options: VerifyOptions): Plan[] =>
  workloads.map((w, i) =>
    planWorkload(w.workload, options, () => seededRandom(options.seed + 7_919 * (i + 1))),
  );

/**
 * Sends each workload through a producer of its own on `client` (the faulty proxy the first
 * workload's producer uses), counted apart from the first's metrics.
 */
export const sendWorkloads = (
  workloads: readonly DrivenWorkload[],
  plans: readonly Plan[],
  client: SQSClient,
  onSent: (i: number, sent: number) => void,
  ready?: () => Promise<void>,
): Promise<SentWorkload[]> =>
  Promise.all(
    workloads.map((w, i) =>
      sendMessages(
        createProducer({
          queueUrl: w.driven.url,
          client,
          metrics: createReliabilityMetrics({ sink: memorySink({ keep: 0 }), service: 'verify-producer' }),
        }),
        plans[i]!.messages(),
        (n) => onSent(i, n),
        undefined,
        ready,
      ),
    ),
  );

/** The dead-letter queues of the workloads' queues: each workload checks its own. */
export const workloadDlqs = (workloads: readonly DrivenWorkload[]): Set<string> =>
  new Set(workloads.flatMap((w) => dlqArnOf(w.driven) ?? []));

/**
 * Each workload's report, from its effects, its order and its dead-letter queue; `startedLate`
 * (the records late invocations held) tells SQS's own redrive after a late invocation apart.
 */
export const checkWorkloads = async (
  workloads: readonly DrivenWorkload[],
  plans: readonly Plan[],
  sent: readonly SentWorkload[],
  context: ScenarioContext,
  startedLate?: ReadonlySet<string>,
): Promise<WorkloadReport[]> => {
  const reports: WorkloadReport[] = [];
  for (const [i, w] of workloads.entries()) {
    const truth = await checkGroundTruth({
      context,
      scenario: { effects: w.workload.effects, ...(w.workload.order ? { order: w.workload.order } : {}) },
      driven: w.driven,
      plan: plans[i]!,
      sent: sent[i]!,
      countOthers: false,
      ...(startedLate ? { startedLate } : {}),
    });
    reports.push(
      workloadReport({
        queue: w.driven.logicalId,
        promise: w.workload.promise ?? 'exactly-once',
        truth,
        messages: plans[i]!.size,
        sent: sent[i]!.messages,
        poison: plans[i]!.poison,
      }),
    );
  }
  return reports;
};
