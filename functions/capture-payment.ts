// Captures each order's payment. Exactly-once (the default): the payment, the customer's ledger
// entry, the idempotency record and the "order paid" outbox entry commit in one DynamoDB
// transaction. IDEMPOTENCY_COMMIT=effect-conditional keeps no record: the payment's update carries
// the idempotency condition (once per order id), so a repeat cancels the transaction. GROUP_COMMIT=true
// commits a customer's orders of one batch together (here each order writes the customer's ledger
// item, so a group run still commits order by order: two actions on one item are refused).
// With DELIVERY_MODE=at-least-once there is no idempotency record: the writes go
// out one by one, as an unprotected handler would send them, so a redelivery pays again.
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { ConfigurationError } from '../lib/errors.ts';
import { dynamoDBStore, updateOncePerKey } from '../lib/idempotency/index.ts';
import { outbox } from '../lib/producer/index.ts';
import { sqsBatch } from '../lib/sqs/index.ts';
import { env } from './env.ts';

export const Order = z.object({
  orderId: z.string().min(1),
  customerId: z.string().min(1),
  amountCents: z.number().int().positive(),
  currency: z.string().length(3),
});
type Order = z.infer<typeof Order>;

const mode = process.env.DELIVERY_MODE ?? 'exactly-once';
if (mode !== 'exactly-once' && mode !== 'at-least-once') {
  throw new ConfigurationError(
    `DELIVERY_MODE must be 'exactly-once' or 'at-least-once', received ${JSON.stringify(mode)}.`,
  );
}
const commit = process.env.IDEMPOTENCY_COMMIT ?? 'lease';
if (commit !== 'lease' && commit !== 'optimistic' && commit !== 'effect-conditional') {
  throw new ConfigurationError(
    `IDEMPOTENCY_COMMIT must be 'lease', 'optimistic' or 'effect-conditional', received ${JSON.stringify(commit)}.`,
  );
}
const groupCommit = process.env.GROUP_COMMIT === 'true';
const ordering = process.env.ORDERING ?? 'auto';
// 'off' is a mutation for the proof: without the FIFO fence a late commit lands after its successors.
const fence = process.env.FENCE ?? 'on';
// 'park-group': a customer's later orders follow a dead-lettered one to the DLQ, in order, until it is replayed.
const onDeadLetter = process.env.ON_DEAD_LETTER ?? 'continue';
// 'off' measures what the retry backoff saves: every returned order waits out the visibility timeout.
const retryBackoff = process.env.RETRY_BACKOFF ?? 'on';
if (retryBackoff !== 'on' && retryBackoff !== 'off') {
  throw new ConfigurationError(
    `RETRY_BACKOFF must be 'on' or 'off', received ${JSON.stringify(retryBackoff)}.`,
  );
}
if (onDeadLetter !== 'continue' && onDeadLetter !== 'park-group') {
  throw new ConfigurationError(
    `ON_DEAD_LETTER must be 'continue' or 'park-group', received ${JSON.stringify(onDeadLetter)}.`,
  );
}
if (fence !== 'on' && fence !== 'off') {
  throw new ConfigurationError(`FENCE must be 'on' or 'off', received ${JSON.stringify(fence)}.`);
}
if (ordering !== 'auto' && ordering !== 'none') {
  throw new ConfigurationError(`ORDERING must be 'auto' or 'none', received ${JSON.stringify(ordering)}.`);
}
const events = outbox({ tableName: env('OUTBOX_TABLE') });
const paymentsTable = env('PAYMENTS_TABLE');
const ledgerTable = env('LEDGER_TABLE');

/** The order's effects: its payment (`captures` counts how often it was applied), the ledger entry, the event. */
const effectsOf = (order: Order) => ({
  payment: {
    TableName: paymentsTable,
    Key: { pk: order.orderId },
    UpdateExpression:
      'SET customerId = :customer, amountCents = :amount, currency = :currency, capturedAt = :now ADD captures :one',
    ExpressionAttributeValues: {
      ':customer': order.customerId,
      ':amount': order.amountCents,
      ':currency': order.currency,
      ':now': Date.now(),
      ':one': 1,
    },
  },
  ledger: {
    TableName: ledgerTable,
    Key: { pk: order.customerId },
    UpdateExpression:
      'SET paidOrders = list_append(if_not_exists(paidOrders, :none), :order) ADD balanceCents :amount',
    ExpressionAttributeValues: { ':none': [], ':order': [order.orderId], ':amount': order.amountCents },
  },
  event: events.write({
    id: `order-paid-${order.orderId}`,
    orderingKey: order.customerId,
    body: {
      type: 'OrderPaid',
      orderId: order.orderId,
      customerId: order.customerId,
      amountCents: order.amountCents,
      currency: order.currency,
    },
  }).Put,
});

const documents = mode === 'at-least-once' ? DynamoDBDocumentClient.from(new DynamoDBClient({})) : undefined;

export const handler = sqsBatch(
  async ({ body: order }, { transaction }) => {
    const { payment, ledger, event } = effectsOf(order);
    if (!documents) {
      transaction.update(commit === 'effect-conditional' ? updateOncePerKey(payment) : payment);
      transaction.update(ledger);
      transaction.put(event);
    } else {
      // No record to commit with: each write lands on its own, so a redelivery applies the payment
      // and the ledger entry again. The event is written once: a repeat finds it already there.
      await documents.send(new UpdateCommand(payment));
      await documents.send(new UpdateCommand(ledger));
      await documents.send(new PutCommand(event)).catch((error: unknown) => {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      });
    }
    return { captured: order.amountCents };
  },
  {
    parse: Order,
    ordering,
    ...(fence === 'off' ? { fence: false as const } : {}),
    ...(retryBackoff === 'off' ? { retryBackoff: false as const } : {}),
    ...(onDeadLetter === 'park-group' && !documents ? { onDeadLetter } : {}),
    ...(documents
      ? {}
      : {
          idempotency:
            commit === 'effect-conditional'
              ? {
                  mode: 'effect-conditional' as const,
                  key: (message: { body: Order }) => message.body.orderId,
                }
              : {
                  store: dynamoDBStore({ tableName: env('IDEMPOTENCY_TABLE') }),
                  key: (message: { body: Order }) => message.body.orderId,
                  // Every effect is a write on the transaction, so the lease can go (one request per order).
                  optimistic: commit === 'optimistic',
                  // The same order id with another amount is a bug upstream, not a retry: dead-letter it.
                  fingerprint: (message: { body: Order }) => message.body,
                },
          groupCommit,
        }),
    deadLetterQueueUrl: env('DEAD_LETTER_QUEUE_URL'),
  },
);
