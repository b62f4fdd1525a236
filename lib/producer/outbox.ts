import { randomUUID } from 'node:crypto';
import { requireTableName } from '../document-client.ts';
import { MessageRejectedError } from './errors.ts';
import type { OutgoingMessage } from './message.ts';

/** An outbox item as stored: what the relay needs to send the message later. */
export type OutboxItem = {
  pk: string;
  sk: string;
  id: string;
  body: string;
  orderingKey?: string;
  attributes?: Record<string, string>;
  delaySeconds?: number;
  createdAt: number;
  /** TTL (epoch seconds): sent entries age out. */
  expiresAt: number;
  sentAt?: number;
};

export type OutboxOptions = {
  tableName: string;
  /** How long entries stay in the table (TTL). @default 604_800_000 (7 days) */
  retainForMs?: number;
};

export const OUTBOX_PREFIX = 'outbox#';

/**
 * The transactional outbox: `write(message)` returns the item to put in the caller's own
 * `TransactWriteItems`, so the business write and the outgoing message commit together.
 * `outboxRelay` (on the table's stream) sends it. Items of one ordering key share a
 * partition key, so the stream hands them to the relay in the order they were written.
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
  return {
    tableName: options.tableName,
    /** The outbox item for `message`, as a `TransactWriteItems` entry. A second write of the same id fails the transaction. */
    write(
      message: OutgoingMessage,
      now = Date.now(),
    ): { Put: { TableName: string; Item: OutboxItem; ConditionExpression: string } } {
      const id = message.id ?? randomUUID();
      if (message.body === undefined) throw new MessageRejectedError(id, `Outbox message ${id} has no body.`);
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
      };
      return {
        Put: { TableName: options.tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' },
      };
    },
  };
};
