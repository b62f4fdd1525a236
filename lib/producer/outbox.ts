import { randomUUID } from 'node:crypto';
import { requireTableName } from '../document-client.ts';
import { MessageRejectedError } from './errors.ts';
import { type OutgoingMessage, prepareMessage } from './message.ts';

/** An outbox item as stored: what the relay needs to send the message later. */
export type OutboxItem = {
  pk: string;
  sk: string;
  id: string;
  body: string;
  orderingKey?: string;
  attributes?: Record<string, string>;
  delaySeconds?: number;
  /** A caller-chosen sequence number, relayed as the message's. */
  sequence?: number;
  createdAt: number;
  /** TTL (epoch seconds): sent entries age out. */
  expiresAt: number;
  sentAt?: number;
  /** Set by the relay on an entry SQS can never take, with the reason; the entry is not sent. */
  rejectedAt?: number;
  rejection?: string;
};

export type OutboxOptions = {
  tableName: string;
  /** How long entries stay in the table (TTL). @default 604_800_000 (7 days) */
  retainForMs?: number;
  /** Whether the relay sends to a FIFO queue: entries need an `orderingKey` and take no `delaySeconds`. @default true */
  fifo?: boolean;
  /** Whether the relay's producer numbers messages (`sequence`), which takes 2 of SQS's 10 attributes. @default false */
  sequence?: boolean;
};

// DynamoDB's item limit is 400 KB, counting attribute names and values (DynamoDB developer
// guide, item sizes): https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html
const MAX_ITEM_BYTES = 400 * 1024;
// A number takes at most 21 bytes; a map 3 bytes plus 1 per element.
const itemBytes = (value: unknown): number => {
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (typeof value === 'number') return 21;
  if (value && typeof value === 'object')
    return Object.entries(value).reduce(
      (sum, [name, v]) => sum + Buffer.byteLength(name) + itemBytes(v) + 1,
      3,
    );
  return 1;
};

export const OUTBOX_PREFIX = 'outbox#';

/**
 * The transactional outbox: `write(message)` returns the item to put in the caller's own
 * `TransactWriteItems`, so the business write and the outgoing message commit together. It
 * refuses — with `MessageRejectedError`, before anything is written — an entry the relay's
 * producer could never send (no ordering key on a FIFO queue, a delay there, too many
 * attributes, too large), so a bad entry fails its own business write instead of the stream.
 * `outboxRelay` (on the table's stream) sends it.
 *
 * Order: items of one ordering key share a partition key and land on one stream shard in write
 * order as long as that key's items live in one table partition. DynamoDB Streams documents
 * order per *item* only ("for each item … the stream records appear in the same sequence as
 * the actual modifications to the item",
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Streams.html), and each entry
 * is its own item; a key hot enough for DynamoDB to split its partition by sort key could reach
 * the relay out of order. Where that matters, give messages your own `sequence` (stored and
 * relayed) and let the consumer's sequence guard hold a reordered one.
 *
 * Ids: a second write of an id under the same ordering key fails the transaction; an id must
 * not be reused under another key either (SQS would drop the second as a duplicate). That
 * cannot be checked here without a second item per write: the relay sets aside a reuse it sees
 * in one stream batch.
 *
 * @example
 * const orders = outbox({ tableName: process.env.OUTBOX_TABLE! });
 * await documents.send(new TransactWriteCommand({ TransactItems: [
 *   { Put: { TableName: 'orders', Item: order } },
 *   orders.write({ id: `paid-${order.id}`, orderingKey: order.customerId, body: { type: 'OrderPaid', orderId: order.id } }),
 * ] }));
 */
export const outbox = (options: OutboxOptions) => {
  requireTableName('outbox', options?.tableName);
  const retainForMs = options.retainForMs ?? 7 * 24 * 3_600_000;
  const fifo = options.fifo ?? true;
  return {
    tableName: options.tableName,
    /** The outbox item for `message`, as a `TransactWriteItems` entry; `MessageRejectedError` for one the relay could never send. */
    write(
      message: OutgoingMessage,
      now = Date.now(),
    ): { Put: { TableName: string; Item: OutboxItem; ConditionExpression: string } } {
      const id = message.id ?? randomUUID();
      // The producer's own checks, as the relay will run them (with its sequence attributes).
      prepareMessage({ ...message, id }, fifo, options.sequence ? Number.MAX_SAFE_INTEGER : undefined);
      const attributes = Object.entries(message.attributes ?? {}).map(([name, value]) => {
        if (typeof value !== 'string' && typeof value !== 'number') {
          throw new MessageRejectedError(
            id,
            `Outbox message ${id}: attribute ${name} must be a string or a number.`,
          );
        }
        return [name, String(value)] as const;
      });
      const item: OutboxItem = {
        pk: `${OUTBOX_PREFIX}${message.orderingKey ?? id}`,
        sk: id,
        id,
        body: typeof message.body === 'string' ? message.body : JSON.stringify(message.body),
        createdAt: now,
        expiresAt: Math.floor((now + retainForMs) / 1000),
        ...(message.orderingKey === undefined ? {} : { orderingKey: message.orderingKey }),
        ...(attributes.length === 0 ? {} : { attributes: Object.fromEntries(attributes) }),
        ...(message.delaySeconds === undefined ? {} : { delaySeconds: message.delaySeconds }),
        ...(message.sequence === undefined ? {} : { sequence: message.sequence }),
      };
      const bytes = itemBytes(item) - 3;
      if (bytes > MAX_ITEM_BYTES) {
        throw new MessageRejectedError(
          id,
          `Outbox message ${id} makes an item of about ${bytes} bytes; DynamoDB stores at most 400 KB (${MAX_ITEM_BYTES}). Store the payload elsewhere (S3) and send a reference.`,
        );
      }
      return {
        Put: { TableName: options.tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' },
      };
    },
  };
};
