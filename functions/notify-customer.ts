// Notifies the customer of a paid order, at least once: a repeat rewrites the same record.

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { sqsBatch } from '../lib/sqs/index.ts';
import { env } from './env.ts';

const OrderPaid = z.object({
  type: z.literal('OrderPaid'),
  orderId: z.string(),
  customerId: z.string(),
  amountCents: z.number(),
  currency: z.string(),
});
const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const notificationsTable = env('NOTIFICATIONS_TABLE');

export const handler = sqsBatch(
  async ({ body: event, receiveCount }) => {
    await documents.send(
      new PutCommand({
        TableName: notificationsTable,
        Item: {
          pk: event.orderId,
          customerId: event.customerId,
          text: `Payment of ${event.amountCents / 100} ${event.currency} received`,
          receiveCount,
        },
      }),
    );
  },
  { parse: OrderPaid, deadLetterQueueUrl: env('DEAD_LETTER_QUEUE_URL') },
);
