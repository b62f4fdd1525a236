import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { documentClient } from '../document-client.ts';
import { MetricName, queueNameOf } from '../metrics/names.ts';
import {
  createReliabilityLog,
  type ReliabilityLog,
  type StructuredLogger,
} from '../metrics/reliability-log.ts';
import { createReliabilityMetrics, type ReliabilityMetrics } from '../metrics/reliability-metrics.ts';
import { MessageRejectedError } from './errors.ts';
import type { OutgoingMessage } from './message.ts';
import { OUTBOX_PREFIX, type OutboxItem } from './outbox.ts';
import type { Producer } from './producer.ts';
import { relaySend } from './relay-send.ts';

export type OutboxRelayOptions = {
  producer: Producer;
  /** Client to mark entries sent or rejected. @default new DynamoDBClient({}) */
  client?: DynamoDBClient | DynamoDBDocumentClient;
  /** Set `sentAt` on each entry once SQS accepted it. @default true */
  markSent?: boolean;
  /** Counts rejected entries (`MessagesDeadLettered`). @default createReliabilityMetrics(), flushed per invocation; `false` for none */
  metrics?: ReliabilityMetrics | false;
  logger?: StructuredLogger;
};

const tableOf = (record: DynamoDBRecord) => record.eventSourceARN?.split(':table/')[1]?.split('/')[0];

type Entry = { record: DynamoDBRecord; item: OutboxItem };

const messageOf = ({ item }: Entry): OutgoingMessage => ({
  id: item.id,
  body: item.body,
  ...(item.orderingKey === undefined ? {} : { orderingKey: item.orderingKey }),
  ...(item.attributes === undefined ? {} : { attributes: item.attributes }),
  ...(item.delaySeconds === undefined ? {} : { delaySeconds: item.delaySeconds }),
  ...(item.sequence === undefined ? {} : { sequence: item.sequence }),
});

/**
 * A Lambda handler for the outbox table's DynamoDB Stream (`NEW_IMAGE` or `NEW_AND_OLD_IMAGES`,
 * `FunctionResponseTypes: [ReportBatchItemFailures]`): sends each new outbox entry through the
 * producer, with the outbox id as the message id — the FIFO deduplication id — so a relay
 * retried after a crash does not deliver twice. The producer keeps each key in order; what it
 * could not send is reported by stream sequence number, and Lambda retries from the first of
 * them. An entry SQS can never take (refused by the producer's checks or as the sender's fault,
 * or an id another key's entry in the batch already uses) is set aside on its own: marked
 * `rejectedAt` with its `rejection` in the table, logged, counted as `MessagesDeadLettered`;
 * the rest of its key goes on in order.
 *
 * @example
 * export const handler = outboxRelay({ producer: createProducer({ queueUrl: process.env.EVENTS_QUEUE_URL! }) });
 */
export const outboxRelay = (options: OutboxRelayOptions) => {
  const markSent = options.markSent ?? true;
  const documents = documentClient(options.client);
  const log: ReliabilityLog = createReliabilityLog({ logger: options.logger });
  const queue = queueNameOf(options.producer.queueUrl);
  const ownMetrics = options.metrics === undefined;
  const metrics = options.metrics === false ? undefined : (options.metrics ?? createReliabilityMetrics());

  const mark = (entries: readonly Entry[], update: string, values: Record<string, unknown>) =>
    Promise.all(
      entries.map(
        ({ record, item }) =>
          documents
            .send(
              new UpdateCommand({
                TableName: tableOf(record),
                Key: { pk: item.pk, sk: item.sk },
                UpdateExpression: update,
                ConditionExpression: 'attribute_exists(pk)',
                ExpressionAttributeValues: values,
              }),
            )
            .catch(() => undefined), // The outcome stands; a missing mark only affects observability.
      ),
    );

  return async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
    const entries: Entry[] = [];
    const reasons = new Map<Entry, string>();
    const firstWithId = new Map<string, Entry>();
    for (const record of event.Records ?? []) {
      if (record.eventName !== 'INSERT' || !record.dynamodb?.NewImage) continue;
      const item = unmarshall(record.dynamodb.NewImage as Record<string, AttributeValue>) as OutboxItem;
      if (!item.pk?.startsWith(OUTBOX_PREFIX)) continue;
      const entry = { record, item };
      if (typeof item.body !== 'string' || typeof item.id !== 'string') {
        reasons.set(entry, 'the outbox entry has no id or body');
        continue;
      }
      const first = firstWithId.get(item.id);
      // One id, two keys: SQS would drop the second as a duplicate of the first.
      if (first)
        reasons.set(entry, `the id ${item.id} is already used by ordering key ${first.item.orderingKey}`);
      else {
        firstWithId.set(item.id, entry);
        entries.push(entry);
      }
    }

    const outcome =
      entries.length === 0
        ? { rejected: new Map(), retry: new Set() }
        : await relaySend(options.producer, entries.map(messageOf));
    for (const entry of entries) {
      const reason = outcome.rejected.get(entry.item.id);
      if (reason !== undefined) reasons.set(entry, reason);
    }
    const rejected = [...reasons];
    for (const [{ item }, reason] of rejected) {
      log.deadLettered(
        { messageId: String(item.id), ...(item.orderingKey ? { groupId: item.orderingKey } : {}), queue },
        new MessageRejectedError(String(item.id), reason),
        'outbox (rejectedAt)',
      );
    }
    if (metrics && rejected.length > 0)
      metrics.count(MetricName.MessagesDeadLettered, queue, rejected.length);
    if (metrics && ownMetrics) metrics.flush();
    const now = Date.now();
    await Promise.all([
      ...rejected.map(([entry, reason]) =>
        mark([entry], 'SET rejectedAt = :now, rejection = :reason', {
          ':now': now,
          ':reason': reason.slice(0, 1_000),
        }),
      ),
      markSent
        ? mark(
            entries.filter(({ item }) => !outcome.retry.has(item.id) && !outcome.rejected.has(item.id)),
            'SET sentAt = :now',
            { ':now': now },
          )
        : undefined,
    ]);
    return {
      batchItemFailures: entries
        .filter(({ item }) => outcome.retry.has(item.id))
        .map(({ record }) => ({ itemIdentifier: record.dynamodb?.SequenceNumber ?? '' })),
    };
  };
};
