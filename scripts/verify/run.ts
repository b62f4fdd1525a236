import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { App } from 'aws-cdk-lib';
import { createApp } from '../../infra/app.ts';
import {
  type BatchReport,
  deployLocal,
  type FaultProxy,
  type LocalDeployment,
  type LocalStack,
  localClientConfig,
  startFaultProxy,
  startLocalRuntime,
  startLocalStack,
} from '../../lib/local/index.ts';
import { createReliabilityMetrics, memorySink } from '../../lib/metrics/index.ts';
import { createProducer } from '../../lib/producer/index.ts';
import { checkPipeline } from './check.ts';
import { waitForDrain } from './drain.ts';
import { createFaultInjector } from './faults.ts';
import type { VerifyOptions } from './options.ts';
import { seededRandom } from './random.ts';
import { buildReport, type Sample, type VerifyReport } from './report.ts';
import { planOrders, sendOrders } from './workload.ts';

export type Progress = {
  phase: 'sending' | 'draining';
  /** Messages sent so far, and in all (known once sending ends). */
  sent: number;
  expected: number;
  /** Messages CapturePayment has acknowledged (deleted). */
  acked: number;
  inFlight: number;
  faults: number;
  elapsedMs: number;
};

export type VerifyHooks = {
  /** Run on this local stack instead of starting one (tests share theirs). */
  stack?: Pick<LocalStack, 'region' | 'credentials' | 'dynamodb' | 'sqs'>;
  onProgress?: (progress: Progress) => void;
};

const serviceOf = (deployment: LocalDeployment, name: string) =>
  deployment.functions.find((fn) => fn.environment.POWERTOOLS_SERVICE_NAME === name);

/**
 * Runs the example app under injected faults and checks, from the effect tables and the
 * dead-letter queue, that nothing was lost, duplicated or reordered. See scripts/verify.ts.
 */
export const runVerify = async (options: VerifyOptions, hooks: VerifyHooks = {}): Promise<VerifyReport> => {
  const startedAt = Date.now();
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  const outdir = mkdtempSync(join(tmpdir(), 'reliable-events-verify-'));
  cleanups.push(() => rmSync(outdir, { recursive: true, force: true }));
  try {
    const context = {
      functionTimeoutSeconds: options.functionTimeoutSeconds,
      deliveryMode: options.protection ? 'exactly-once' : 'at-least-once',
      idempotencyCommit: options.effectConditional
        ? 'effect-conditional'
        : options.optimistic
          ? 'optimistic'
          : 'lease',
      groupCommit: options.groupCommit,
    };
    createApp(new App({ outdir, context })).synth();
    const stack = hooks.stack ?? (await startLocalStack());
    if (!hooks.stack) cleanups.push(() => (stack as LocalStack).stop());
    const deployment = await deployLocal({
      stack,
      assembly: outdir,
      nameSuffix: `verify-${process.pid}-${startedAt % 1_000_000}`,
    });
    const capture = serviceOf(deployment, 'CapturePayment');
    const relay = serviceOf(deployment, 'RelayOrderEvents');
    if (!capture || !deployment.outputs.OrdersQueueUrl)
      throw new Error('The example app has no CapturePayment function or OrdersQueueUrl output');

    const injector = createFaultInjector(
      options.rates,
      seededRandom(options.seed + 1),
      (fn) => fn === capture,
    );
    const proxies = new Map<string, FaultProxy>();
    for (const fn of deployment.functions) {
      proxies.set(
        fn.logicalId,
        await startFaultProxy({ target: stack.dynamodb.endpoint, decide: injector.dynamodb(fn) }),
      );
    }
    cleanups.push(() => Promise.all([...proxies.values()].map((proxy) => proxy.stop())));

    const batches: BatchReport[] = [];
    const runtime = startLocalRuntime({
      stack,
      deployment,
      environment: (fn) => ({ AWS_ENDPOINT_URL_DYNAMODB: proxies.get(fn.logicalId)!.endpoint }),
      faults: injector.sqs,
      onBatch: (fnId, report) => {
        if (fnId === capture.logicalId) batches.push(report as BatchReport);
      },
    });
    cleanups.push(() => runtime.stop());
    await runtime.warm();

    const sqs = new SQSClient(localClientConfig(stack, stack.sqs.endpoint));
    const documents = DynamoDBDocumentClient.from(
      new DynamoDBClient(localClientConfig(stack, stack.dynamodb.endpoint)),
    );
    const orders = planOrders(options, seededRandom(options.seed));
    injector.injected.poison = orders.filter((o) => o.poison).length;
    injector.injected.producerResend = orders.filter((o) => o.resend).length;
    const expected = orders.length + injector.injected.producerResend;

    const generator = memorySink();
    const generatorMetrics = createReliabilityMetrics({ sink: generator, service: 'order-generator' });
    const producer = createProducer({
      queueUrl: deployment.outputs.OrdersQueueUrl,
      client: sqs,
      metrics: generatorMetrics,
    });

    const sendStartedAt = Date.now();
    const acked = () => batches.reduce((sum, b) => sum + b.deleted, 0);
    const faults = () => Object.values(injector.injected).reduce((a, b) => a + b, 0);
    const timeline: Sample[] = [];
    let phase: Progress['phase'] = 'sending';
    let sentSoFar = 0;
    const sample = () => {
      const capturesMetrics = runtime.metrics.totals({ Service: 'CapturePayment' });
      timeline.push({
        t: (Date.now() - sendStartedAt) / 1000,
        sent: sentSoFar,
        acked: acked(),
        inFlight: runtime.inFlight(),
        retried: batches.reduce((sum, b) => sum + b.retried, 0),
        deadLettered: capturesMetrics.MessagesDeadLettered,
      });
      hooks.onProgress?.({
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

    const sent = await sendOrders(producer, orders, (n) => {
      sentSoFar = n;
    });
    generatorMetrics.flush();
    phase = 'draining';

    const { drained, drainedAt } = await waitForDrain({
      sqs,
      documents,
      deployment,
      inFlight: runtime.inFlight,
      timeoutMs: options.drainTimeoutSeconds * 1_000,
    });
    sample();
    clearInterval(sampler);

    const truth = await checkPipeline({ documents, sqs, deployment, orders, sent });
    return buildReport({
      options,
      drained,
      truth,
      sent,
      orders,
      injected: injector.injected,
      metrics: {
        generator: generator.totals(),
        capture: runtime.metrics.totals({ Service: 'CapturePayment' }),
        relay: runtime.metrics.totals({
          Service: relay?.environment.POWERTOOLS_SERVICE_NAME ?? 'RelayOrderEvents',
        }),
        all: runtime.metrics.totals(),
      },
      requests: Object.fromEntries(
        deployment.functions.map((fn) => [
          fn.environment.POWERTOOLS_SERVICE_NAME ?? fn.logicalId,
          Object.fromEntries(proxies.get(fn.logicalId)!.requests),
        ]),
      ),
      captureService: 'CapturePayment',
      timedOutRecords: batches.filter((b) => b.outcome === 'timeout').reduce((sum, b) => sum + b.records, 0),
      timeline,
      seconds: {
        wall: (drainedAt - startedAt) / 1000,
        pipeline: (drainedAt - sendStartedAt) / 1000,
        setup: (sendStartedAt - startedAt) / 1000,
      },
    });
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup();
  }
};
