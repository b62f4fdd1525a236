import type { MetricAlarm } from '../local/alarms/index.ts';
import {
  type AlarmsReport,
  type AlarmTransition,
  createAlarmEvaluator,
  type LocalDeployment,
  type LocalQueue,
  type LocalStack,
  localValuesOf,
  mergeAlarms,
  readAlarms,
  readAssembly,
  type TemplateAlarms,
} from '../local/index.ts';
import { MetricName, RELIABILITY_NAMESPACE } from '../metrics/names.ts';
import { alarmEndings } from './alarm-endings.ts';
import type { FaultKind } from './options.ts';
import type { Check } from './report.ts';

/**
 * Starts evaluating the app's CloudWatch alarms, from the same definitions that deploy, on a clock
 * shortened `periodScale` times (60: a one-minute period lasts a second). Feed it the runtime's
 * `onMetrics` and `onBatch`; `stop()` returns every alarm with its transitions.
 */
export const startAlarms = (input: {
  assembly: string;
  stacks?: readonly string[] | undefined;
  deployment: LocalDeployment;
  stack: Pick<LocalStack, 'region' | 'sqs'>;
  periodScale: number;
  onTransition?: (transition: AlarmTransition) => void;
}) => {
  const values = localValuesOf(input.deployment, input.stack.region);
  const alarms = mergeAlarms(
    ...readAssembly(input.assembly)
      .filter((t) => !input.stacks || input.stacks.includes(t.stackName))
      .map((template) => readAlarms(template, { values, region: input.stack.region })),
  );
  const evaluator = createAlarmEvaluator({
    alarms,
    periodScale: input.periodScale,
    sqs: { endpoint: input.stack.sqs.endpoint, queues: input.deployment.queues.map((q) => q.name) },
    lambdaFunctions: input.deployment.functions.map((f) => f.logicalId),
    ...(input.onTransition ? { onTransition: input.onTransition } : {}),
  });
  evaluator.start();
  return { alarms, evaluator };
};

const firedEver = (report: AlarmsReport, name: string) =>
  report.alarms.find((a) => a.name === name)?.transitions.some((t) => t.to === 'ALARM') ?? false;

/**
 * What the alarms must have done in a run: when poison was sent, every dead-letter alarm of the
 * driven queue (our `MessagesDeadLettered` on it, or messages visible in its dead-letter queue)
 * in ALARM at some point; every lost-messages alarm never in ALARM; and every other alarm in ALARM
 * at the end explained, as expected or as a finding ({@link alarmEndings}).
 */
export const alarmChecks = (
  alarms: TemplateAlarms,
  report: AlarmsReport,
  input: {
    poison: number;
    driven: LocalQueue;
    deployment: LocalDeployment;
    injected: Readonly<Record<FaultKind, number>>;
    expectedAlarms?: readonly string[] | undefined;
    /** Good messages SQS itself moved to the DLQ after injected late invocations. @default 0 */
    redrivenLate?: number;
  },
): Check[] => {
  const dlqArn = input.driven.attributes.RedrivePolicy
    ? (JSON.parse(input.driven.attributes.RedrivePolicy) as { deadLetterTargetArn: string })
        .deadLetterTargetArn
    : undefined;
  const dlq = input.deployment.queues.find((q) => q.arn === dlqArn)?.name;
  const evaluated = new Set(report.alarms.filter((a) => a.evaluated).map((a) => a.name));
  const on = (namespace: string, metricName: string) =>
    alarms.metricAlarms.filter(
      (a) => evaluated.has(a.name) && a.metric.namespace === namespace && a.metric.metricName === metricName,
    );
  const deadLetter = [
    ...on(RELIABILITY_NAMESPACE, MetricName.MessagesDeadLettered).filter(
      (a) => a.metric.dimensions.Queue === input.driven.name,
    ),
    ...on('AWS/SQS', 'ApproximateNumberOfMessagesVisible').filter(
      (a) => dlq !== undefined && a.metric.dimensions.QueueName === dlq,
    ),
  ];
  const check = (alarm: MetricAlarm, ok: (fired: boolean) => boolean, name: string): Check => {
    const fired = firedEver(report, alarm.name);
    return {
      name: `${alarm.logicalId} ${name}`,
      ok: ok(fired),
      detail: `${alarm.metric.metricName}: ${fired ? 'went to ALARM' : 'never in ALARM'}`,
    };
  };
  const quiet = on(RELIABILITY_NAMESPACE, MetricName.MessagesLost);
  return [
    ...(input.poison > 0 ? deadLetter.map((a) => check(a, (fired) => fired, 'fired after poison')) : []),
    ...quiet.map((a) => check(a, (fired) => !fired, 'stayed quiet')),
    ...alarmEndings(alarms, report, { ...input, deadLetter, quiet }),
  ];
};
