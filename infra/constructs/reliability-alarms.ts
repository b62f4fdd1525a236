import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { MetricDimension, MetricName, RELIABILITY_NAMESPACE } from '../../lib/metrics/names.ts';
import { propChecks } from './prop-checks.ts';
import type { ReliableQueue } from './reliable-queue.ts';

/** A consumer or producer, as the reliability metrics identify it: its `Service` and the queue. */
export type MonitoredPipe = { readonly serviceName: string; readonly queue: ReliableQueue };

export type ReliabilityAlarmsProps = {
  /** Consumers: DLQ depth, message age, custom-metric alarms, and their functions' errors and throttles. */
  readonly consumers: readonly (MonitoredPipe & { readonly fn: lambda.IFunction })[];
  /** Producers (e.g. the outbox relay): send-failure alarm and the sent counter. @default [] */
  readonly producers?: readonly (MonitoredPipe & { readonly fn?: lambda.IFunction })[];
  /** Where alarm and OK notifications go. @default a new KMS-encrypted topic */
  readonly topic?: sns.ITopic;
  /** Alarm when the oldest message on a queue is older than this. @default Duration.minutes(5) */
  readonly maxMessageAge?: Duration;
  /** @default RELIABILITY_NAMESPACE */
  readonly namespace?: string;
  /** @default undefined (a generated name) */
  readonly dashboardName?: string;
};

/** One alarm: its metric, threshold, and the runbook line an operator reads when it fires. */
type AlarmDefinition = {
  id: string;
  metric: cloudwatch.IMetric;
  threshold: number;
  evaluationPeriods?: number;
  description: string;
};

const ONE_MINUTE = Duration.minutes(1);

const checkAlarmsProps = (owner: string, props: ReliabilityAlarmsProps): void => {
  const check = propChecks(owner);
  const pipes = (prop: 'consumers' | 'producers', list: unknown, needsFunction: boolean) => {
    if (!Array.isArray(list))
      return check.must(prop, 'an array of ReliableConsumer (or { serviceName, queue, fn })', list);
    list.forEach((pipe: Partial<MonitoredPipe & { fn: lambda.IFunction }>, i) => {
      check.string(`${prop}[${i}].serviceName`, pipe?.serviceName);
      if (typeof pipe.queue?.queue?.queueName !== 'string')
        check.must(`${prop}[${i}].queue`, 'a ReliableQueue', pipe.queue);
      if ((needsFunction || pipe.fn !== undefined) && typeof pipe.fn?.metricErrors !== 'function')
        check.must(`${prop}[${i}].fn`, 'a Lambda function (lambda.IFunction)', pipe.fn);
    });
  };
  pipes('consumers', props.consumers, true);
  if (props.producers !== undefined) pipes('producers', props.producers, false);
  // A composite alarm needs at least one member (CloudFormation rejects an empty AlarmRule).
  if (props.consumers.length === 0 && (props.producers ?? []).length === 0)
    check.fail(
      'consumers is empty and there are no producers: pass the ReliableConsumer (or OutboxRelay as a producer) to watch.',
    );
  if (props.maxMessageAge !== undefined)
    check.duration('maxMessageAge', props.maxMessageAge, 60, 14 * 24 * 3600);
};

/**
 * The alarms that need a human — a message in a DLQ, a message lost, a send that failed, a
 * queue falling behind, a function failing or throttled — each notifying an SNS topic on
 * ALARM and OK, a composite "pipeline unhealthy" alarm over all of them, and a dashboard of
 * the reliability counters.
 *
 * @example
 * const alarms = new ReliabilityAlarms(this, 'Alarms', { consumers: [payments], producers: [relay] });
 * alarms.topic; alarms.alarms; alarms.pipelineUnhealthy;
 */
export class ReliabilityAlarms extends Construct {
  readonly topic: sns.ITopic;
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly pipelineUnhealthy: cloudwatch.CompositeAlarm;
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: ReliabilityAlarmsProps) {
    super(scope, id);
    checkAlarmsProps(`ReliabilityAlarms ${id}`, props);
    const namespace = props.namespace ?? RELIABILITY_NAMESPACE;
    const maxAge = props.maxMessageAge ?? Duration.minutes(5);
    const producers = props.producers ?? [];
    const custom = (pipe: MonitoredPipe, metricName: MetricName, statistic = 'Sum') =>
      new cloudwatch.Metric({
        namespace,
        metricName,
        dimensionsMap: {
          [MetricDimension.Service]: pipe.serviceName,
          [MetricDimension.Queue]: pipe.queue.queue.queueName,
        },
        statistic,
        period: ONE_MINUTE,
      });

    const definitions: AlarmDefinition[] = [
      ...props.consumers.flatMap(({ queue, fn, serviceName }, i): AlarmDefinition[] => [
        {
          id: `DeadLetters${i}`,
          metric: queue.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
            period: ONE_MINUTE,
            statistic: 'Maximum',
          }),
          threshold: 1,
          description: `A message of ${serviceName} is in its dead-letter queue. See why with "npx reliable-events dlq stats ${queue.queueName}" (and "dlq show"), fix the cause, then "npx reliable-events dlq replay ${queue.queueName}" (in order, group by group, each message once: docs/cdk.md, "When a dead-letter alarm fires").`,
        },
        {
          id: `OldestMessage${i}`,
          metric: queue.queue.metricApproximateAgeOfOldestMessage({
            period: ONE_MINUTE,
            statistic: 'Maximum',
          }),
          threshold: maxAge.toSeconds(),
          evaluationPeriods: 5,
          description: `${serviceName} is falling behind: a message has waited over ${maxAge.toHumanString()}. Check the function's errors, throttles and concurrency.`,
        },
        {
          id: `Lost${i}`,
          metric: custom({ queue, serviceName }, MetricName.MessagesLost),
          threshold: 1,
          description: `${serviceName} saw a sequence gap that never filled: a message was lost upstream. Find the missing numbers in the "lost" log line and resend them.`,
        },
        {
          id: `DeadLettered${i}`,
          metric: custom({ queue, serviceName }, MetricName.MessagesDeadLettered),
          threshold: 1,
          description: `${serviceName} sent a poison message to the dead-letter queue. See why with "npx reliable-events dlq show ${queue.queueName}" (or the "dead-lettered" log line); once fixed, "npx reliable-events dlq replay ${queue.queueName}".`,
        },
        {
          id: `Errors${i}`,
          metric: fn.metricErrors({ period: ONE_MINUTE, statistic: 'Sum' }),
          threshold: 1,
          description: `${serviceName} threw: a whole batch returned to the queue. Read the function's logs.`,
        },
        {
          id: `Throttles${i}`,
          metric: fn.metricThrottles({ period: ONE_MINUTE, statistic: 'Sum' }),
          threshold: 1,
          evaluationPeriods: 5,
          description: `${serviceName} is throttled. Raise its reserved concurrency or the event source's maxConcurrency.`,
        },
      ]),
      ...producers.map(
        (producer, i): AlarmDefinition => ({
          id: `SendFailures${i}`,
          metric: custom(producer, MetricName.SendFailures),
          threshold: 1,
          description: `${producer.serviceName} could not send messages after its retries. They were reported to the caller (or stay in the outbox); check the queue's permissions and limits.`,
        }),
      ),
    ];

    for (const definition of definitions) {
      this.alarms.push(
        new cloudwatch.Alarm(this, definition.id, {
          metric: definition.metric,
          threshold: definition.threshold,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: definition.evaluationPeriods ?? 1,
          datapointsToAlarm: definition.evaluationPeriods ?? 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
          alarmDescription: definition.description,
        }),
      );
    }
    this.pipelineUnhealthy = new cloudwatch.CompositeAlarm(this, 'PipelineUnhealthy', {
      alarmRule: cloudwatch.AlarmRule.anyOf(...this.alarms),
      alarmDescription:
        'Some part of the message pipeline needs a human: see which member alarm is in ALARM.',
    });

    this.topic = props.topic ?? this.createTopic();
    for (const alarm of [...this.alarms, this.pipelineUnhealthy]) {
      alarm.addAlarmAction(new actions.SnsAction(this.topic));
      alarm.addOkAction(new actions.SnsAction(this.topic));
    }

    const counters = (pipes: readonly MonitoredPipe[], names: MetricName[]) =>
      pipes.flatMap((pipe) =>
        names.map((name) => custom(pipe, name).with({ label: `${pipe.serviceName} ${name}` })),
      );
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      ...(props.dashboardName ? { dashboardName: props.dashboardName } : {}),
      widgets: [
        [
          new cloudwatch.GraphWidget({
            title: 'Sent',
            left: counters(producers, [MetricName.MessagesSent, MetricName.SendFailures]),
            width: 8,
          }),
          new cloudwatch.GraphWidget({
            title: 'Processed',
            left: counters(props.consumers, [MetricName.MessagesReceived, MetricName.MessagesProcessed]),
            width: 8,
          }),
          new cloudwatch.GraphWidget({
            title: 'Duplicates suppressed',
            left: counters(props.consumers, [MetricName.DuplicatesSuppressed]),
            width: 8,
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Lost and held',
            left: counters(props.consumers, [MetricName.MessagesLost, MetricName.OutOfOrderHeld]),
            width: 8,
          }),
          new cloudwatch.GraphWidget({
            title: 'Failed and dead-lettered',
            left: counters(props.consumers, [
              MetricName.MessagesFailed,
              MetricName.MessagesDeadLettered,
              MetricName.MessagesDropped,
            ]),
            width: 8,
          }),
          new cloudwatch.GraphWidget({
            title: 'End-to-end latency (p99, ms)',
            left: props.consumers.map((pipe) =>
              custom(pipe, MetricName.EndToEndLatency, 'p99').with({ label: pipe.serviceName }),
            ),
            width: 8,
          }),
        ],
        [
          new cloudwatch.AlarmStatusWidget({
            title: 'Alarms',
            alarms: [this.pipelineUnhealthy, ...this.alarms],
            width: 24,
          }),
        ],
      ],
    });
  }

  private createTopic(): sns.Topic {
    // CloudWatch cannot publish to a topic encrypted with the AWS-managed SNS key, so the topic
    // gets its own key that grants CloudWatch exactly what publishing needs.
    const key = new kms.Key(this, 'TopicKey', {
      enableKeyRotation: true,
      description: 'Encrypts reliability alarm notifications',
    });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    return new sns.Topic(this, 'Topic', {
      masterKey: key,
      enforceSSL: true,
      displayName: 'Reliability alarms',
    });
  }
}
