/**
 * The reliability metrics, by name. The CDK alarms and dashboard import these constants,
 * so what the runtime emits and what the alarms watch can never drift apart.
 *
 * @example
 * new cloudwatch.Metric({ namespace: RELIABILITY_NAMESPACE, metricName: MetricName.MessagesLost, ... });
 */
export const MetricName = {
  /** Messages the producer handed to SQS and SQS accepted. */
  MessagesSent: 'MessagesSent',
  /** Messages the producer gave up on (after its retries): they were not sent. */
  SendFailures: 'SendFailures',
  /** Records a consumer received in its batches (redeliveries included). */
  MessagesReceived: 'MessagesReceived',
  /** Records whose handler finished (their effect is done). */
  MessagesProcessed: 'MessagesProcessed',
  /** Repeats recognised and skipped: by idempotency or by the sequence guard. */
  DuplicatesSuppressed: 'DuplicatesSuppressed',
  /** Records reported failed to SQS: they will be retried (or moved by the redrive policy). */
  MessagesFailed: 'MessagesFailed',
  /** Records sent to a dead-letter queue by the consumer (poison, validation, lost gaps). */
  MessagesDeadLettered: 'MessagesDeadLettered',
  /** at-most-once records whose handler failed: acknowledged and never retried (none are lost silently: each is logged). */
  MessagesDropped: 'MessagesDropped',
  /** Records held back because an earlier sequence number has not been processed yet. */
  OutOfOrderHeld: 'OutOfOrderHeld',
  /** Sequence numbers that never arrived within `holdFor`: messages lost upstream. */
  MessagesLost: 'MessagesLost',
  /** FIFO commits cancelled by their group's fence: a late invocation, after a later record of the group committed. */
  LateCommitsFenced: 'LateCommitsFenced',
  /** Handler time per record, in milliseconds. */
  ProcessingTime: 'ProcessingTime',
  /** From the record's SentTimestamp to the end of its processing, in milliseconds. */
  EndToEndLatency: 'EndToEndLatency',
} as const;

export type MetricName = (typeof MetricName)[keyof typeof MetricName];

export const COUNTERS = [
  MetricName.MessagesSent,
  MetricName.SendFailures,
  MetricName.MessagesReceived,
  MetricName.MessagesProcessed,
  MetricName.DuplicatesSuppressed,
  MetricName.MessagesFailed,
  MetricName.MessagesDeadLettered,
  MetricName.MessagesDropped,
  MetricName.OutOfOrderHeld,
  MetricName.MessagesLost,
  MetricName.LateCommitsFenced,
] as const;
export type CounterName = (typeof COUNTERS)[number];

export const TIMINGS = [MetricName.ProcessingTime, MetricName.EndToEndLatency] as const;
export type TimingName = (typeof TIMINGS)[number];

/** The CloudWatch namespace the metrics go to unless configured otherwise. */
export const RELIABILITY_NAMESPACE = 'ReliableEvents';

/** The dimension names of every reliability metric. */
export const MetricDimension = { Service: 'Service', Queue: 'Queue' } as const;

/**
 * The service that logs (`service`) and metrics (the `Service` dimension) name by default, the
 * same in both: Powertools' POWERTOOLS_SERVICE_NAME (ReliableFunction sets it), else the Lambda
 * function's name, else 'reliable-events'.
 */
export const defaultServiceName = (): string =>
  process.env.POWERTOOLS_SERVICE_NAME || process.env.AWS_LAMBDA_FUNCTION_NAME || 'reliable-events';

/** The queue's name from its ARN (`arn:aws:sqs:region:account:name`) or URL (`https://…/account/name`). */
export const queueNameOf = (arnOrUrl: string): string =>
  arnOrUrl.split(/[:/]/).filter(Boolean).at(-1) ?? arnOrUrl;
