// Captures each order's payment exactly once: the payment, the idempotency record and the
// "order paid" outbox entry commit in one DynamoDB transaction.
import { z } from 'zod';
import { dynamoDBStore } from '../lib/idempotency/index.ts';
import { outbox } from '../lib/producer/index.ts';
import { sqsBatch } from '../lib/sqs/index.ts';
import { env } from './env.ts';

export const Order = z.object({
  orderId: z.string().min(1),
  customerId: z.string().min(1),
  amountCents: z.number().int().positive(),
  currency: z.string().length(3),
});

const events = outbox({ tableName: env('OUTBOX_TABLE') });
const paymentsTable = env('PAYMENTS_TABLE');

export const handler = sqsBatch(
  async ({ body: order }, { transaction }) => {
    transaction.put({
      TableName: paymentsTable,
      Item: {
        pk: order.orderId,
        customerId: order.customerId,
        amountCents: order.amountCents,
        currency: order.currency,
        capturedAt: Date.now(),
      },
    });
    transaction.put(
      events.write({
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
    );
    return { captured: order.amountCents };
  },
  {
    parse: Order,
    idempotency: {
      store: dynamoDBStore({ tableName: env('IDEMPOTENCY_TABLE') }),
      key: (message) => message.body.orderId,
      // The same order id with another amount is a bug upstream, not a retry: dead-letter it.
      fingerprint: (message) => message.body,
    },
    deadLetterQueueUrl: env('DEAD_LETTER_QUEUE_URL'),
  },
);
