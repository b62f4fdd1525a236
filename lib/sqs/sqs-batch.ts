import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { queueNameOf } from '../metrics/names.ts';
import { prepareRecord, type RecordHandler, sqsRecordsOf } from './message.ts';
import { resolveSqsBatchOptions, type SqsBatchOptions } from './options.ts';
import { reportBatch } from './outcome.ts';
import { applyRetryBackoff } from './retry-backoff.ts';
import { runBatch } from './schedule.ts';

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
 *   },
 * );
 */
export const sqsBatch = <Body = unknown>(
  recordHandler: RecordHandler<Body>,
  options: SqsBatchOptions<Body> = {},
): ((event: SQSEvent, context?: Context) => Promise<SQSBatchResponse>) => {
  const batch = resolveSqsBatchOptions(recordHandler, options);

  return async (event, lambdaContext) => {
    const records = sqsRecordsOf(event);
    const queue = queueNameOf(records[0]?.eventSourceARN || 'unknown-queue');
    const prepared = await Promise.all(records.map((record) => prepareRecord(record, batch.parse)));
    const outcomes = await runBatch({ ...batch, lambdaContext, queue, now: Date.now }, prepared);
    const response = reportBatch({ prepared, outcomes, queue, metrics: batch.metrics, log: batch.log });
    if (batch.backoff && response.batchItemFailures.length > 0) {
      const { failed } = await applyRetryBackoff({
        prepared,
        outcomes,
        backoff: batch.backoff,
        client: batch.sqsClient,
      });
      // A record whose change failed keeps the queue's visibility timeout: retried later, never lost.
      if (failed > 0) batch.log.backoffFailed({ queue, records: failed });
    }
    return response;
  };
};
