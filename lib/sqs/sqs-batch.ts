import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { ConfigurationError } from '../errors.ts';
import { queueNameOf } from '../metrics/names.ts';
import { loggedMessage, prepareRecord, type RecordHandler } from './message.ts';
import { resolveSqsBatchOptions, type SqsBatchOptions } from './options.ts';
import { reportBatch } from './outcome.ts';
import { type BatchEnv, processRecord } from './process-record.ts';
import { groupsOf, isFifoBatch, runGroups } from './schedule.ts';

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
  const batch = resolveSqsBatchOptions(recordHandler, options);

  return async (event, lambdaContext) => {
    if (!Array.isArray(event?.Records)) {
      throw new ConfigurationError(
        'sqsBatch received an event without a Records array: wire this function to an SQS event source.',
      );
    }
    const records = event.Records;
    const queue = queueNameOf(records[0]?.eventSourceARN || 'unknown-queue');
    // At most half of the time this invocation began with: a short function timeout still gets work done.
    const startedWith = lambdaContext?.getRemainingTimeInMillis?.();
    const timeGuardMs = Math.min(batch.timeGuardMs, (startedWith ?? Number.POSITIVE_INFINITY) / 2);

    const prepared = await Promise.all(records.map((record) => prepareRecord(record, batch.parse)));
    const env: BatchEnv<Body> = {
      ...batch,
      lambdaContext,
      queue,
      logged: (item) => loggedMessage(item, queue),
      now: Date.now,
    };
    const outcomes = await runGroups({
      groups: groupsOf(prepared, isFifoBatch(records, batch.ordering), batch.sequence),
      concurrency: batch.concurrency,
      onFailure: batch.onFailure,
      run: (item) => processRecord(env, item),
      mustNotStart: () =>
        lambdaContext?.getRemainingTimeInMillis && lambdaContext.getRemainingTimeInMillis() < timeGuardMs
          ? 'time-guard'
          : undefined,
    });
    return reportBatch({ prepared, outcomes, queue, metrics: batch.metrics, log: batch.log });
  };
};
