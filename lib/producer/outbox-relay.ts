import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { documentClient } from '../document-client.ts';
import {
  createReliabilityLog,
  type ReliabilityLog,
  type StructuredLogger,
} from '../metrics/reliability-log.ts';
import { SendFailedError } from './errors.ts';
import type { OutgoingMessage } from './message.ts';
import { OUTBOX_PREFIX, type OutboxItem } from './outbox.ts';
import type { Producer } from './producer.ts';

export type OutboxRelayOptions = {
  producer: Producer;
  /** Client to mark entries sent. @default new DynamoDBClient({}) */
  client?: DynamoDBClient | DynamoDBDocumentClient;
  /** Set `sentAt` on each entry once SQS accepted it. @default true */
  markSent?: boolean;
  logger?: StructuredLogger;
};

const tableOf = (record: DynamoDBRecord) => record.eventSourceARN?.split(':table/')[1]?.split('/')[0];

/**
 * A Lambda handler for the outbox table's DynamoDB Stream (`NEW_IMAGE` or `NEW_AND_OLD_IMAGES`,
 * `FunctionResponseTypes: [ReportBatchItemFailures]`): sends each new outbox entry through the
 * producer, with the outbox id as the message id — the FIFO deduplication id — so a relay
 * retried after a crash does not deliver twice. Entries it could not send are reported by
 * their sequence number, and Lambda retries the stream from the first of them.
 *
 * @example
 * export const handler = outboxRelay({ producer: createProducer({ queueUrl: process.env.EVENTS_QUEUE_URL! }) });
 */
export const outboxRelay = (options: OutboxRelayOptions) => {
  const markSent = options.markSent ?? true;
  const documents = documentClient(options.client);
  const log: ReliabilityLog = createReliabilityLog({ logger: options.logger });

  return async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
    const entries: { record: DynamoDBRecord; item: OutboxItem }[] = [];
    for (const record of event.Records ?? []) {
      if (record.eventName !== 'INSERT' || !record.dynamodb?.NewImage) continue;
      const item = unmarshall(record.dynamodb.NewImage as Record<string, AttributeValue>) as OutboxItem;
      if (!item.pk?.startsWith(OUTBOX_PREFIX)) continue;
      if (typeof item.body !== 'string' || typeof item.id !== 'string') {
        // Cannot be sent as stored; retrying would block the stream. Logged, never silent.
        log.failed(
          { messageId: String(item.id), queue: options.producer.queueUrl },
          new Error('outbox entry without id or body'),
          false,
        );
        continue;
      }
      entries.push({ record, item });
    }
    if (entries.length === 0) return { batchItemFailures: [] };

    const messages: OutgoingMessage[] = entries.map(({ item }) => ({
      id: item.id,
      body: item.body,
      ...(item.orderingKey === undefined ? {} : { orderingKey: item.orderingKey }),
      ...(item.attributes === undefined ? {} : { attributes: item.attributes }),
      ...(item.delaySeconds === undefined ? {} : { delaySeconds: item.delaySeconds }),
    }));
    let failedIds: Set<string>;
    try {
      const result = await options.producer.send(messages);
      failedIds = new Set(result.failed.map((f) => f.id));
    } catch (error) {
      if (!(error instanceof SendFailedError)) throw error;
      failedIds = new Set(error.failures.map((f) => f.id));
    }

    if (markSent) {
      const sentAt = Date.now();
      // One write per entry, in parallel: a stream batch can hold hundreds.
      await Promise.all(
        entries
          .filter(({ item }) => !failedIds.has(item.id))
          .map(
            ({ record, item }) =>
              documents
                .send(
                  new UpdateCommand({
                    TableName: tableOf(record),
                    Key: { pk: item.pk, sk: item.sk },
                    UpdateExpression: 'SET sentAt = :sentAt',
                    ConditionExpression: 'attribute_exists(pk)',
                    ExpressionAttributeValues: { ':sentAt': sentAt },
                  }),
                )
                .catch(() => undefined), // The message is sent; a missing mark only affects observability.
          ),
      );
    }
    return {
      batchItemFailures: entries
        .filter(({ item }) => failedIds.has(item.id))
        .map(({ record }) => ({ itemIdentifier: record.dynamodb?.SequenceNumber ?? '' })),
    };
  };
};
