import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { App } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../infra/app.ts';
import {
  type AlarmsReport,
  createAlarmEvaluator,
  deployLocal,
  type LocalDeployment,
  localValuesOf,
  readAlarms,
  readAssembly,
  type StackTemplate,
  startLocalRuntime,
  type TemplateAlarms,
} from '../../../lib/local/index.ts';
import { createReliabilityMetrics, MetricName } from '../../../lib/metrics/index.ts';
import { localClients } from '../../support/local.ts';
import { scratchDir } from '../../support/scratch.ts';

const { stack, sqs } = localClients();

const byPrefix = (report: AlarmsReport, prefix: string) => {
  const found = report.alarms.find((a) => a.logicalId.startsWith(prefix));
  if (!found) throw new Error(`no alarm ${prefix}`);
  return found;
};
const fired = (report: AlarmsReport, prefix: string) =>
  byPrefix(report, prefix).transitions.some((t) => t.to === 'ALARM');
// What verify checks: the dead-letter alarms fired after poison, the lost-messages alarm stayed quiet.
const deadLetterFiredLostQuiet = (report: AlarmsReport) =>
  fired(report, 'ReliabilityDeadLettered0') &&
  fired(report, 'ReliabilityDeadLetters0') &&
  !fired(report, 'ReliabilityLost0') &&
  byPrefix(report, 'ReliabilityLost0').state === 'OK';

describe('the example app alarms, evaluated locally', () => {
  const outdir = scratchDir('alarms-app');
  let template: StackTemplate;

  beforeAll(() => {
    createApp(new App({ outdir })).synth();
    template = readAssembly(outdir)[0] as StackTemplate;
  }, 60_000);

  const deploy = async () => {
    const deployment = await deployLocal({
      stack,
      assembly: [template],
      nameSuffix: `al${process.pid}-${Math.random().toString(36).slice(2, 7)}`,
    });
    const alarms = readAlarms(template, { values: localValuesOf(deployment) });
    const queue = (prefix: string) => deployment.queues.find((q) => q.logicalId.startsWith(prefix))!;
    return { deployment, alarms, queue };
  };
  const evaluatorFor = (deployment: LocalDeployment, alarms: TemplateAlarms, now?: () => number) =>
    createAlarmEvaluator({
      alarms,
      periodScale: 60,
      sqs: { endpoint: stack.sqs.endpoint, queues: deployment.queues.map((q) => q.name) },
      lambdaFunctions: deployment.functions.map((f) => f.logicalId),
      ...(now ? { now } : {}),
    });

  it.each([
    ['a dead-lettered message', MetricName.MessagesDeadLettered, true],
    // Broken input: the consumer reports the poison message as lost, so the check must fail.
    ['a message counted as lost instead', MetricName.MessagesLost, false],
  ] as const)(
    'after %s (%s), "dead-letter alarms fired, lost-messages alarm quiet" is %s',
    async (_, counter, ok) => {
      const { deployment, alarms, queue } = await deploy();
      let clock = Date.now();
      const evaluator = evaluatorFor(deployment, alarms, () => clock);
      const origin = clock;
      // What CapturePayment prints for the batch that held the poison message: one EMF line on stdout.
      const metrics = createReliabilityMetrics({
        service: 'CapturePayment',
        sink: (document) =>
          evaluator.putLogLine(
            JSON.stringify({ ...document, _aws: { ...document._aws, Timestamp: origin + 200 } }),
          ),
      });
      metrics.count(MetricName.MessagesReceived, queue('OrdersQueue').name, 10);
      metrics.count(MetricName.MessagesProcessed, queue('OrdersQueue').name, 9);
      metrics.count(counter, queue('OrdersQueue').name, 1);
      metrics.flush();
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: queue('OrdersDeadLetter').url,
          MessageBody: '{"orderId":"bad"}',
          MessageGroupId: 'c-0',
          MessageDeduplicationId: 'bad',
        }),
      );
      clock = origin + 500;
      await evaluator.evaluate();
      clock = origin + 1_000;
      await evaluator.evaluate();
      const report = evaluator.report();

      expect(report.problems).toEqual([]);
      expect(deadLetterFiredLostQuiet(report)).toBe(ok);
      expect(byPrefix(report, 'ReliabilityDeadLetters0').transitions).toEqual([
        expect.objectContaining({
          from: 'INSUFFICIENT_DATA',
          to: 'ALARM',
          at: origin + 1_000,
          reason: '1 of 1 datapoints [1] >= 1 (1 needed for ALARM)',
        }),
      ]);
      expect(byPrefix(report, 'ReliabilityPipelineUnhealthy').state).toBe('ALARM');
      // Lambda Errors and Throttles come from the runtime's batch reports (a throttled invoke is one).
      expect(byPrefix(report, 'ReliabilityErrors0')).toMatchObject({ evaluated: true, state: 'OK' });
      expect(byPrefix(report, 'ReliabilityThrottles0')).toMatchObject({ evaluated: true, state: 'OK' });
      expect(byPrefix(report, 'ReliabilityPipelineUnhealthy').notEvaluatedMembers ?? []).toHaveLength(0);
    },
  );

  it('fires the dead-letter alarms from what the running functions print, on a 1 s period', async () => {
    const { deployment, alarms, queue } = await deploy();
    const evaluator = evaluatorFor(deployment, alarms);
    const runtime = startLocalRuntime({
      stack,
      deployment,
      onMetrics: evaluator.onMetrics,
      onBatch: evaluator.putBatch,
    });
    evaluator.start();
    try {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: queue('OrdersQueue').url,
          MessageBody: JSON.stringify({
            orderId: 'bad',
            customerId: 'c-0',
            amountCents: -5,
            currency: 'EUR',
          }),
          MessageGroupId: 'c-0',
          MessageDeduplicationId: 'bad',
        }),
      );
      const deadline = Date.now() + 30_000;
      // Both dead-letter alarms: the consumer's count, and the DLQ's depth sampled a period later.
      const firedBoth = () =>
        fired(evaluator.report(), 'ReliabilityDeadLettered0') &&
        fired(evaluator.report(), 'ReliabilityDeadLetters0');
      while (Date.now() < deadline && !firedBoth()) await new Promise((r) => setTimeout(r, 100));
    } finally {
      await runtime.stop();
    }
    const report = await evaluator.stop();
    expect(report.problems).toEqual([]);
    expect(deadLetterFiredLostQuiet(report)).toBe(true);
    // CapturePayment dead-lettered the poison message itself: no invocation ended in a function error.
    expect(byPrefix(report, 'ReliabilityErrors0')).toMatchObject({ evaluated: true, state: 'OK' });
  }, 60_000);
});
