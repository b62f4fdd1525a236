import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { type EmfDocument, memorySink } from '../metrics/sinks.ts';
import type { LocalDeployment, LocalFunction } from './deploy-local.ts';
import { type StreamBatchReport, startDynamoDBStreamSource } from './dynamodb-stream-source.ts';
import { createFunctionHost } from './function-host.ts';
import { type BatchReport, type SqsEventSourceFaults, startSqsEventSource } from './sqs-event-source.ts';
import { type LocalStack, localClientConfig } from './start-local-stack.ts';

export type LocalRuntimeOptions = {
  stack: Pick<LocalStack, 'region' | 'credentials' | 'dynamodb' | 'sqs'>;
  deployment: LocalDeployment;
  /** Lines the functions print that are not metrics. @default discarded */
  onLog?: (functionId: string, line: string) => void;
  /** Every EMF document a function prints, as it prints it (e.g. an alarm evaluator's `putEmf`). @default collected in `metrics` only */
  onMetrics?: (functionId: string, document: EmfDocument) => void;
  /** Every batch's outcome, from SQS and from streams. */
  onBatch?: (functionId: string, report: BatchReport | StreamBatchReport) => void;
  /** Long-poll wait of the SQS pollers. @default 1 */
  waitTimeSeconds?: number;
  /** Variables to add to (or override in) a function's environment, e.g. its own `AWS_ENDPOINT_URL_DYNAMODB`. */
  environment?: (fn: LocalFunction) => Record<string, string>;
  /** Faults the SQS event source of a function injects. @default none */
  faults?: (fn: LocalFunction) => SqsEventSourceFaults | undefined;
};

// Batches in flight per SQS event source when the mapping sets no MaximumConcurrency.
const DEFAULT_SQS_CONCURRENCY = 2;

/**
 * Runs a locally deployed app: each function in worker threads with its own environment,
 * behind pollers that behave like Lambda's SQS and DynamoDB Streams event source mappings.
 * The functions' EMF output is collected, so `metrics.totals()` shows what CloudWatch would.
 *
 * @example
 * const runtime = startLocalRuntime({ stack, deployment: await deployLocal({ stack, assembly: 'cdk.out' }) });
 * runtime.metrics.totals(); // { MessagesProcessed: …, DuplicatesSuppressed: …, … }
 * await runtime.stop();
 */
export const startLocalRuntime = (options: LocalRuntimeOptions) => {
  const { stack, deployment } = options;
  // The sums only: a long run's documents would grow with its message count.
  const metrics = memorySink({ keep: 0 });
  const baseEnvironment = {
    PATH: process.env.PATH ?? '',
    TZ: 'UTC',
    AWS_REGION: stack.region,
    AWS_DEFAULT_REGION: stack.region,
    AWS_ACCESS_KEY_ID: stack.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: stack.credentials.secretAccessKey,
    AWS_ENDPOINT_URL_SQS: stack.sqs.endpoint,
    AWS_ENDPOINT_URL_DYNAMODB: stack.dynamodb.endpoint,
    AWS_ENDPOINT_URL_DYNAMODB_STREAMS: stack.dynamodb.endpoint,
  };
  const hosts = new Map(
    deployment.functions.map((fn) => [
      fn.logicalId,
      {
        fn,
        host: createFunctionHost({
          fn,
          baseEnvironment: { ...baseEnvironment, ...options.environment?.(fn) },
          onMetrics: (document) => {
            metrics(document);
            options.onMetrics?.(fn.logicalId, document);
          },
          onLog: (line) => options.onLog?.(fn.logicalId, line),
        }),
      },
    ]),
  );
  const sqs = new SQSClient(localClientConfig(stack, stack.sqs.endpoint));
  const streams = new DynamoDBStreamsClient(localClientConfig(stack, stack.dynamodb.endpoint));
  let inFlight = 0;
  const counting = async <T>(records: number, run: () => Promise<T>): Promise<T> => {
    inFlight += records;
    try {
      return await run();
    } finally {
      inFlight -= records;
    }
  };

  const sources = deployment.eventSources.flatMap((source) => {
    const target = hosts.get(source.functionLogicalId);
    if (!target) return [];
    if (source.kind === 'sqs') {
      const queue = deployment.queues.find((q) => q.arn === source.sourceArn);
      if (!queue) return [];
      return [
        startSqsEventSource({
          client: sqs,
          queueUrl: queue.url,
          queueArn: queue.arn,
          batchSize: source.batchSize,
          maxConcurrency: source.maxConcurrency ?? DEFAULT_SQS_CONCURRENCY,
          reportBatchItemFailures: source.reportBatchItemFailures,
          // The host enforces the exact timeout; this only bounds a host that never answers. A cold
          // start's init phase comes first and may take up to 10 s of its own, as in Lambda:
          // https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html
          timeoutMs: target.fn.timeoutMs + 11_000,
          waitTimeSeconds: options.waitTimeSeconds ?? 1,
          functionName: target.fn.logicalId,
          region: stack.region,
          handler: (event) => counting(event.Records.length, () => target.host.invoke(event)),
          onBatch: (report) => options.onBatch?.(target.fn.logicalId, report),
          faults: options.faults?.(target.fn),
        }),
      ];
    }
    return [
      startDynamoDBStreamSource({
        client: streams,
        streamArn: source.sourceArn,
        batchSize: source.batchSize,
        ...(source.maxRetryAttempts === undefined ? {} : { maxRetryAttempts: source.maxRetryAttempts }),
        region: stack.region,
        onBatch: (report) => options.onBatch?.(target.fn.logicalId, report),
        handler: (event: DynamoDBStreamEvent) =>
          counting(
            event.Records.length,
            () => target.host.invoke(event) as Promise<{ batchItemFailures: { itemIdentifier: string }[] }>,
          ),
      }),
    ];
  });

  return {
    metrics,
    /**
     * Loads each function in as many sandboxes as its event source may use at once (SQS:
     * `maxConcurrency`; streams: one), so the first batches do not pay for cold starts.
     */
    async warm(): Promise<void> {
      await Promise.all(
        [...hosts.values()].map(({ fn, host }) => {
          const sqsSources = deployment.eventSources.filter(
            (s) => s.functionLogicalId === fn.logicalId && s.kind === 'sqs',
          );
          const count =
            sqsSources.reduce((n, s) => n + (s.maxConcurrency ?? DEFAULT_SQS_CONCURRENCY), 0) || 1;
          return host.warm(count);
        }),
      );
    },
    /** Records being processed right now. */
    inFlight: () => inFlight,
    /** Stops polling, waits for the batches in flight, then ends every function worker. */
    async stop(): Promise<void> {
      await Promise.all(sources.map((source) => source.stop()));
      await Promise.all([...hosts.values()].map(({ host }) => host.stop()));
    },
  };
};
