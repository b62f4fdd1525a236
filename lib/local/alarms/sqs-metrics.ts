import { SqsMetricsError } from './errors.ts';
import { runningSqsEmulators } from './running-emulators.ts';
import type { MetricId, MetricSample } from './types.ts';

/** The `AWS/SQS` metrics sampled from the local emulator, by their CloudWatch names. */
export const SQS_METRICS = [
  'ApproximateNumberOfMessagesVisible',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
  'ApproximateAgeOfOldestMessage',
] as const;

export type SqsMetricsOptions = {
  /** The emulator's endpoint (`LocalStack.sqs.endpoint`). */
  endpoint: string;
  /** Names of the local queues to report. */
  queues: readonly string[];
  /** Queues whose oldest message's age is wanted: it costs a look at every message, so only these. @default none */
  ageOf?: ReadonlySet<string>;
  /** @default 5_000 */
  timeoutMs?: number;
};

type QueueCounts = {
  name: string;
  approximateMessageCount: number;
  approximateInflightCount: number;
  approximateDelayedCount: number;
};
type Inspection = {
  messages: { ready: { sentTimestamp: number }[]; inflight: { message: { sentTimestamp: number } }[] };
};

/**
 * Samples the `AWS/SQS` metrics of the local queues, with the `QueueName` dimension, through the
 * emulator's non-destructive inspection endpoints (a receive would change what it measures).
 * ApproximateAgeOfOldestMessage is the age of the oldest message not deleted (ready or in
 * flight), reported only while the queue holds one, as SQS does:
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html
 *
 * @example
 * const sample = sqsMetricsSampler({ endpoint: stack.sqs.endpoint, queues: deployment.queues.map((q) => q.name) });
 * const datapoints = await sample(Date.now());
 */
export const sqsMetricsSampler = (options: SqsMetricsOptions) => {
  const wanted = new Set(options.queues);
  const get = async <T>(path: string): Promise<T> => {
    let response: Response;
    try {
      response = await fetch(`${options.endpoint}${path}`, {
        signal: AbortSignal.timeout(options.timeoutMs ?? 5_000),
      });
    } catch (error) {
      throw new SqsMetricsError(
        `The SQS emulator at ${options.endpoint} did not answer ${path}: ${String(error)}`,
        { cause: error },
      );
    }
    if (!response.ok)
      throw new SqsMetricsError(
        `The SQS emulator answered ${path} with HTTP ${response.status}: is it fauxqs?`,
      );
    return (await response.json()) as T;
  };
  return async (now: number): Promise<{ metric: MetricId; sample: MetricSample }[]> => {
    const point = (name: string, metricName: string, value: number, unit: string) => ({
      metric: { namespace: 'AWS/SQS', metricName, dimensions: { QueueName: name } },
      sample: { timestamp: now, value, count: 1, unit },
    });
    const counts = (await get<QueueCounts[]>('/_fauxqs/queues')).filter((q) => wanted.has(q.name));
    const points = counts.flatMap((q) => [
      point(q.name, 'ApproximateNumberOfMessagesVisible', q.approximateMessageCount, 'Count'),
      point(q.name, 'ApproximateNumberOfMessagesNotVisible', q.approximateInflightCount, 'Count'),
      point(q.name, 'ApproximateNumberOfMessagesDelayed', q.approximateDelayedCount, 'Count'),
    ]);
    for (const name of options.ageOf ?? []) {
      if (!wanted.has(name)) continue;
      const { messages } =
        runningSqsEmulators.at(options.endpoint)?.inspectQueue(name) ??
        (await get<Inspection>(`/_fauxqs/queues/${encodeURIComponent(name)}`));
      let oldest = Number.POSITIVE_INFINITY;
      for (const m of messages.ready) oldest = Math.min(oldest, m.sentTimestamp);
      for (const e of messages.inflight) oldest = Math.min(oldest, e.message.sentTimestamp);
      if (oldest !== Number.POSITIVE_INFINITY)
        points.push(
          point(
            name,
            'ApproximateAgeOfOldestMessage',
            Math.max(0, Math.floor((now - oldest) / 1000)),
            'Seconds',
          ),
        );
    }
    return points;
  };
};
