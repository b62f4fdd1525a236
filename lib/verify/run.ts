import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { countBatch } from '../local/function-errors.ts';
import {
  type BatchReport,
  deployLocal,
  type FaultProxy,
  type LocalStack,
  localClientConfig,
  type StreamBatchReport,
  startFaultProxy,
  startLocalRuntime,
  startLocalStack,
} from '../local/index.ts';
import { createReliabilityMetrics, memorySink } from '../metrics/index.ts';
import { createProducer } from '../producer/index.ts';
import { withUnorderedRetries } from '../producer/unordered-retries.ts';
import { backlogBelow, downstreamTables, newActivity, serviceOf } from './activity.ts';
import { forCli } from './alarm-endings.ts';
import { alarmChecks, startAlarms } from './alarms.ts';
import { checkGroundTruth } from './check.ts';
import { assertRunnable, findQueue, scenarioContext } from './context.ts';
import { waitForDrain } from './drain.ts';
import { countEffects } from './effects.ts';
import { ScenarioError } from './errors.ts';
import { createFaultInjector } from './faults.ts';
import { callScenario } from './load-scenario.ts';
import {
  checkWorkloads,
  drivenWorkloads,
  planWorkloads,
  sendWorkloads,
  workloadDlqs,
} from './more-workloads.ts';
import { tablesOf } from './options.ts';
import { keyedRandom, seededRandom } from './random.ts';
import { drainThenReplay, replayDrivenDlq } from './replay-phase.ts';
import { buildReport, type FunctionActivity, type Sample, type VerifyReport } from './report.ts';
import type { Progress, VerifyRun } from './run-types.ts';
import { sendMessages } from './send-workload.ts';
import { bodiesOf, indicesOfBodies, planWorkload } from './workload.ts';

export type { Progress, VerifyRun } from './run-types.ts';

// At most this many messages sent and not yet consumed: the SQS emulator holds them in memory, so
// a long run sends at the consumers' pace instead of queueing the whole workload at once.
const BACKLOG = 10_000;

/**
 * Deploys an app locally, sends the scenario's workload while faults are injected, waits for the
 * app to drain, and checks from its tables and dead-letter queues that nothing was lost,
 * duplicated or reordered; then reconciles the reliability metrics with that ground truth.
 */
export const runVerify = async (run: VerifyRun): Promise<VerifyReport> => {
  const { scenario, options } = run;
  const startedAt = Date.now();
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  try {
    // On disk, what the run writes does not grow Java's memory with the message count.
    const stack = run.stack ?? (await startLocalStack({ dynamodbStorage: tablesOf(options) }));
    if (!run.stack) cleanups.push(() => (stack as LocalStack).stop());
    const deployment = await deployLocal({
      stack,
      assembly: run.assembly,
      nameSuffix: `verify-${process.pid}-${startedAt % 1_000_000}`,
      functionTimeoutSeconds: options.functionTimeoutSeconds,
      ...(run.stacks ? { stacks: run.stacks } : {}),
      ...(run.projectRoot ? { projectRoot: run.projectRoot } : {}),
    });
    run.onDeployed?.(deployment);
    assertRunnable(deployment);
    const driven = findQueue(deployment, scenario.queue);
    const consumers = new Set(
      deployment.eventSources.filter((s) => s.sourceArn === driven.arn).map((s) => s.functionLogicalId),
    );
    const consumerFunctions = deployment.functions.filter((fn) => consumers.has(fn.logicalId));
    if (consumerFunctions.length === 0)
      throw new ScenarioError(
        `No function that runs locally consumes ${driven.logicalId} (the scenario's queue): drive a queue with an SQS event source.`,
      );

    // The other workloads' consumers get faults too.
    const extras = drivenWorkloads(scenario, deployment);
    const targets = new Set([...consumers, ...extras.flatMap((w) => w.consumers)]);
    const injector = createFaultInjector(
      options.rates,
      keyedRandom(options.seed + 1),
      (fn) => targets.has(fn.logicalId),
      options.faultMinimum,
    );
    const proxies = new Map<string, FaultProxy>();
    cleanups.push(() => Promise.all([...proxies.values()].map((proxy) => proxy.stop())));
    for (const fn of deployment.functions)
      proxies.set(
        fn.logicalId,
        await startFaultProxy({ target: stack.dynamodb.endpoint, decide: injector.dynamodb(fn) }),
      );

    const activity = new Map<string, FunctionActivity>(
      deployment.functions.map((fn) => [fn.logicalId, newActivity(fn, injector.injectedInto(fn.logicalId))]),
    );
    const alarms = startAlarms({
      assembly: run.assembly,
      stacks: run.stacks,
      deployment,
      stack,
      periodScale: options.alarmPeriodScale,
      ...(run.onAlarm ? { onTransition: run.onAlarm } : {}),
    });
    cleanups.push(() => alarms.evaluator.stop());
    const runtime = startLocalRuntime({
      stack,
      deployment,
      onMetrics: (_, document) => alarms.evaluator.putEmf(document),
      environment: (fn) => ({ AWS_ENDPOINT_URL_DYNAMODB: proxies.get(fn.logicalId)!.endpoint }),
      faults: injector.sqs,
      onBatch: (fnId, report: BatchReport | StreamBatchReport) => {
        alarms.evaluator.putBatch(fnId, report);
        const a = activity.get(fnId)!;
        countBatch(a, report);
        if ('deleted' in report) {
          a.retried += report.retried;
          if (report.outcome === 'timeout') a.timedOut += report.records;
          for (const ms of report.groupWaitsMs ?? []) a.groupWaits?.add(ms);
        }
      },
    });
    cleanups.push(() => runtime.stop());
    await runtime.warm();

    const sqs = new SQSClient(localClientConfig(stack, stack.sqs.endpoint));
    const documents = DynamoDBDocumentClient.from(
      new DynamoDBClient(localClientConfig(stack, stack.dynamodb.endpoint)),
    );
    const context = scenarioContext({ deployment, documents, sqs, metrics: runtime.metrics.totals });
    const plan = planWorkload(scenario, options, () => seededRandom(options.seed));
    const extraPlans = planWorkloads(extras, options);
    const plans = [plan, ...extraPlans];
    injector.injected.poison = plans.reduce((n, p) => n + p.poison, 0);
    injector.injected.producerResend = plans.reduce((n, p) => n + p.resent, 0);
    // The poison and resent messages' bodies, made again from the seed: the faults spare them.
    injector.spare(bodiesOf(plans, (m) => m.poison !== undefined || m.resend));
    const expected = plans.reduce((n, p) => n + p.size, 0) + injector.injected.producerResend;

    const generator = memorySink({ keep: 0 });
    const generatorMetrics = createReliabilityMetrics({ sink: generator, service: 'verify-producer' });
    // The workload goes through a proxy that throttles calls and fails entries, as SQS may.
    const sendProxy = await startFaultProxy({ target: stack.sqs.endpoint, ...injector.producer });
    cleanups.push(() => sendProxy.stop());
    const sendClient = new SQSClient(localClientConfig(stack, sendProxy.endpoint));
    const producerOptions = { queueUrl: driven.url, client: sendClient, metrics: generatorMetrics };
    const producer = createProducer(
      run.unorderedRetries ? withUnorderedRetries(producerOptions) : producerOptions,
    );

    const sendStartedAt = Date.now();
    injector.startOutage(options.outageSeconds ?? 0, downstreamTables(deployment));
    const consumerActivity = () => [...activity.values()].filter((a) => targets.has(a.logicalId));
    const acked = () => consumerActivity().reduce((sum, a) => sum + a.acked, 0);
    const faults = () => Object.values(injector.injected).reduce((a, b) => a + b, 0);
    const timeline: Sample[] = [];
    let phase: Progress['phase'] = 'sending';
    let sentSoFar = 0;
    const sample = () => {
      timeline.push({
        t: (Date.now() - sendStartedAt) / 1000,
        sent: sentSoFar,
        acked: acked(),
        inFlight: runtime.inFlight(),
        retried: consumerActivity().reduce((sum, a) => sum + a.retried, 0),
        deadLettered: runtime.metrics.totals().MessagesDeadLettered,
      });
      run.onProgress?.({
        phase,
        sent: sentSoFar,
        expected,
        acked: acked(),
        inFlight: runtime.inFlight(),
        faults: faults(),
        elapsedMs: Date.now() - sendStartedAt,
      });
    };
    const sampler = setInterval(sample, 1_000);
    cleanups.push(() => clearInterval(sampler));

    // What each workload sent so far (the first, then the others), for the progress line.
    const sentBy = [0, ...extras.map(() => 0)];
    const onSent = (i: number, n: number) => {
      sentBy[i] = n;
      sentSoFar = sentBy.reduce((a, b) => a + b, 0);
    };
    const ready = () => backlogBelow(BACKLOG, () => sentSoFar - acked());
    const [sent, extraSent] = await Promise.all([
      sendMessages(producer, plan.messages(), (n) => onSent(0, n), undefined, ready),
      sendWorkloads(extras, extraPlans, sendClient, (i, n) => onSent(i + 1, n), ready),
    ]);
    generatorMetrics.flush();
    phase = 'draining';

    const sourceArns = new Set(deployment.eventSources.map((s) => s.sourceArn));
    const drain = () =>
      waitForDrain({
        sqs,
        queues: deployment.queues.filter((q) => sourceArns.has(q.arn)),
        inFlight: runtime.inFlight,
        pending: () =>
          scenario.pending ? callScenario('pending()', () => scenario.pending!(context)) : Promise.resolve(0),
        timeoutMs: options.drainTimeoutSeconds * 1_000,
      });
    // An operator's replay of the dead letters once the app drained, then the app drains again.
    let appliedBeforeReplay: Uint32Array | undefined;
    const { drained, drainedAt, replay } = await drainThenReplay(
      drain,
      options.replay
        ? async () => {
            appliedBeforeReplay = (await countEffects(plan, () => scenario.effects(context))).times;
            const poisonBodies = bodiesOf([plan], (m) => m.poison !== undefined);
            return replayDrivenDlq({ sqs, driven, deployment, poisonBodies });
          }
        : undefined,
    );
    sample();
    clearInterval(sampler);

    const truth = await checkGroundTruth({
      context,
      scenario,
      driven,
      plan,
      sent,
      workloadDlqs: workloadDlqs(extras),
      startedLate: injector.startedLate,
      replayed: indicesOfBodies(plan, replay?.bodies ?? []),
      appliedBeforeReplay: (i) => (appliedBeforeReplay?.[i] ?? 0) > 0,
    });
    const workloads = await checkWorkloads(extras, extraPlans, extraSent, context, injector.startedLate);
    const alarmsReport = forCli(await alarms.evaluator.stop());
    const checkedAt = Date.now();
    return buildReport({
      ...(scenario.promise ? { promise: scenario.promise } : {}),
      workloads,
      alarms: alarmsReport,
      alarmChecks: alarmChecks(alarms.alarms, alarmsReport, {
        ...{ poison: plan.poison, driven, deployment },
        ...{ injected: injector.injected, expectedAlarms: scenario.expectedAlarms },
        redrivenLate: truth.redriven.filter((r) => r.cause === 'late-invocation').length,
      }),
      options,
      queue: driven.logicalId,
      drained,
      truth,
      sent,
      plan,
      injected: injector.injected,
      ...(replay ? { replay } : {}),
      ...(options.outageSeconds
        ? { outage: { seconds: options.outageSeconds, requests: injector.outage.requests } }
        : {}),
      producerMetrics: generator.totals(),
      consumerServices: consumerFunctions.map(serviceOf),
      metrics: (service) => runtime.metrics.totals(service === undefined ? {} : { Service: service }),
      requests: Object.fromEntries(
        deployment.functions.map((fn) => [
          serviceOf(fn),
          Object.fromEntries(proxies.get(fn.logicalId)!.requests),
        ]),
      ),
      functions: [...activity.values()],
      notRun: deployment.notRun,
      timeline,
      timelineStartedAt: sendStartedAt,
      seconds: {
        // The wall time is the whole run's: at 200,000 messages, confirming the drain and reading
        // the tables back took 8 of its 80 minutes.
        wall: (checkedAt - startedAt) / 1000,
        pipeline: (drainedAt - sendStartedAt) / 1000,
        setup: (sendStartedAt - startedAt) / 1000,
        checks: (checkedAt - drainedAt) / 1000,
      },
    });
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup();
  }
};
