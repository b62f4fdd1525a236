import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { appendTo } from '../collections.ts';
import { ConfigurationError } from '../errors.ts';
import { createIdempotencyEngine } from '../idempotency/engine.ts';
import { MetricName, queueNameOf } from '../metrics/names.ts';
import { createReliabilityLog } from '../metrics/reliability-log.ts';
import { createReliabilityMetrics, type ReliabilityMetrics } from '../metrics/reliability-metrics.ts';
import { parseRecord, type RecordHandler } from './message.ts';
import { type SqsBatchOptions, sqsBatchDefaults, validateOptions } from './options.ts';
import { isRetried, type RecordOutcome } from './outcome.ts';
import { type BatchEnv, type PreparedRecord, processRecord } from './process-record.ts';
import { runGroups } from './schedule.ts';

const OUTCOME_METRIC = {
  processed: MetricName.MessagesProcessed,
  duplicate: MetricName.DuplicatesSuppressed,
  'dead-lettered': MetricName.MessagesDeadLettered,
  dropped: MetricName.MessagesDropped,
  failed: MetricName.MessagesFailed,
  'not-run': MetricName.MessagesFailed,
  held: MetricName.OutOfOrderHeld,
} as const;

const countOutcome = (
  metrics: ReliabilityMetrics,
  queue: string,
  prepared: PreparedRecord<unknown>,
  outcome: RecordOutcome & { lost?: number },
) => {
  metrics.count(OUTCOME_METRIC[outcome.kind], queue);
  if (outcome.lost) metrics.count(MetricName.MessagesLost, queue, outcome.lost);
  if (outcome.kind !== 'processed') return;
  metrics.time(MetricName.ProcessingTime, queue, outcome.durationMs);
  const sentAt = Number(prepared.record.attributes?.SentTimestamp);
  if (Number.isFinite(sentAt))
    metrics.time(MetricName.EndToEndLatency, queue, Math.max(0, outcome.finishedAt - sentAt));
};

/** Splits the batch into the groups that must run in order: FIFO message groups, or sequence keys sorted by number. */
const groupsOf = <Body>(
  prepared: PreparedRecord<Body>[],
  fifo: boolean,
  sequence: SqsBatchOptions<Body>['sequence'],
) => {
  const groups = new Map<string, PreparedRecord<Body>[]>();
  const seqOf = new Map<PreparedRecord<Body>, number>();
  for (const item of prepared) {
    let groupKey = item.record.messageId;
    if (fifo) groupKey = `g:${item.record.attributes?.MessageGroupId ?? item.record.messageId}`;
    else if (sequence && item.message) {
      try {
        groupKey = `s:${sequence.key(item.message)}`;
        seqOf.set(item, sequence.seq(item.message));
      } catch {
        // A message whose key cannot be read runs alone; the guard will report it.
      }
    }
    appendTo(groups, groupKey, item);
  }
  const list = [...groups.values()];
  // Standard queues deliver in any order: within a sequence key, run the lowest number first.
  if (!fifo && sequence)
    for (const group of list) group.sort((a, b) => (seqOf.get(a) ?? 0) - (seqOf.get(b) ?? 0));
  return list;
};

/**
 * Builds a Lambda handler for SQS batches that acknowledges only what finished, keeps order
 * within each FIFO message group while groups run concurrently, and reports exactly the
 * records to retry (`ReportBatchItemFailures` must be on in the event source mapping).
 *
 * @example
 * export const handler = sqsBatch(
 *   async (message, { transaction }) => {
 *     transaction.put({ TableName: 'payments', Item: { pk: message.body.orderId, amount: message.body.amount } });
 *   },
 *   {
 *     parse: OrderSchema,
 *     idempotency: { store: dynamoDBStore({ tableName: 'idempotency' }), key: (message) => message.body.orderId },
 *     deadLetterQueueUrl: process.env.POISON_QUEUE_URL,
 *   },
 * );
 */
export const sqsBatch = <Body = unknown>(
  recordHandler: RecordHandler<Body>,
  options: SqsBatchOptions<Body> = {},
): ((event: SQSEvent, context?: Context) => Promise<SQSBatchResponse>) => {
  validateOptions(recordHandler, options);
  const opts: Required<
    Pick<SqsBatchOptions<Body>, 'parse' | 'ordering' | 'onFailure' | 'concurrency' | 'timeGuardMs'>
  > = {
    parse: options.parse ?? sqsBatchDefaults.parse,
    ordering: options.ordering ?? sqsBatchDefaults.ordering,
    onFailure: options.onFailure ?? sqsBatchDefaults.onFailure,
    concurrency: options.concurrency ?? sqsBatchDefaults.concurrency,
    timeGuardMs: options.timeGuardMs ?? sqsBatchDefaults.timeGuardMs,
  };
  const engine = options.idempotency
    ? createIdempotencyEngine<Parameters<RecordHandler<Body>>[0], unknown>(options.idempotency)
    : undefined;
  const metrics = options.metrics === false ? undefined : (options.metrics ?? createReliabilityMetrics());
  const log = createReliabilityLog({ logger: options.logger, logBodies: options.logBodies });
  const sequence = options.sequence && {
    holdForMs: sqsBatchDefaults.holdForMs,
    onLost: sqsBatchDefaults.onLost,
    ...options.sequence,
  };
  let client: SQSClient | undefined;
  const sqsClient = () => {
    client ??= options.sqsClient ?? new SQSClient({});
    return client;
  };

  return async (event, lambdaContext) => {
    if (!Array.isArray(event?.Records)) {
      throw new ConfigurationError(
        'sqsBatch received an event without a Records array: wire this function to an SQS event source.',
      );
    }
    const records = event.Records;
    // At most half of the time this invocation began with: a short function timeout still gets work done.
    const startedWith = lambdaContext?.getRemainingTimeInMillis?.();
    const timeGuardMs =
      startedWith === undefined ? opts.timeGuardMs : Math.min(opts.timeGuardMs, startedWith / 2);
    const sourceArn = records[0]?.eventSourceARN ?? '';
    const queue = queueNameOf(sourceArn || 'unknown-queue');
    const fifo =
      opts.ordering === 'fifo' ||
      (opts.ordering === 'auto' &&
        (sourceArn.endsWith('.fifo') || records.some((r) => r.attributes?.MessageGroupId)));

    const prepared: PreparedRecord<Body>[] = await Promise.all(
      records.map(async (record) => {
        try {
          return { record, message: await parseRecord(record, opts.parse) };
        } catch (parseError) {
          return { record, parseError };
        }
      }),
    );
    const env: BatchEnv<Body> = {
      handler: recordHandler,
      engine,
      mode: options.idempotency ? (options.idempotency.mode ?? 'exactly-once') : 'at-least-once',
      sequence,
      deadLetterQueueUrl: options.deadLetterQueueUrl,
      sqsClient,
      lambdaContext,
      queue,
      log,
      logged: (item) => ({
        messageId: item.record.messageId,
        ...(item.record.attributes?.MessageGroupId ? { groupId: item.record.attributes.MessageGroupId } : {}),
        queue,
        body: item.message ? item.message.body : item.record.body,
      }),
      now: Date.now,
    };

    const outcomes = await runGroups({
      groups: groupsOf(prepared, fifo, options.sequence),
      concurrency: opts.concurrency,
      onFailure: opts.onFailure,
      run: async (item) => {
        try {
          return await processRecord(env, item);
        } catch (error) {
          // An unexpected fault (the sequence store unreachable, say) fails this record, not the batch.
          log.failed(env.logged(item), error, true);
          return { kind: 'failed', error };
        }
      },
      mustNotStart: () =>
        lambdaContext?.getRemainingTimeInMillis && lambdaContext.getRemainingTimeInMillis() < timeGuardMs
          ? 'time-guard'
          : undefined,
    });

    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    if (metrics) metrics.count(MetricName.MessagesReceived, queue, records.length);
    for (const item of prepared) {
      const outcome = outcomes.get(item) ?? ({ kind: 'not-run', reason: 'batch-stopped' } as const);
      if (isRetried(outcome)) batchItemFailures.push({ itemIdentifier: item.record.messageId });
      if (metrics) countOutcome(metrics, queue, item as PreparedRecord<unknown>, outcome);
    }
    if (records.length > 0 && batchItemFailures.length === records.length) {
      log.batchFailed({ queue, records: records.length, reason: 'every record was reported for retry' });
    }
    metrics?.flush();
    return { batchItemFailures };
  };
};
