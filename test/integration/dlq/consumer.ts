import { DeleteMessageBatchCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { NonRetryableError } from '../../../lib/errors.ts';
import { dynamoDBStore } from '../../../lib/idempotency/index.ts';
import { toLambdaRecord } from '../../../lib/local/sqs-event-source.ts';
import { sqsBatch } from '../../../lib/sqs/index.ts';
import { createTable, localClients } from '../../support/local.ts';
import { arnOf, createQueue } from './support.ts';

const { sqs, dynamodb, documents, stack } = localClients();

/** The scope `sqsBatch` prefixes each key with, as a deployed function's name would be. */
export const SCOPE = 'CapturePayment';

type Order = { orderId: string; poison?: boolean };

/**
 * A FIFO orders queue with its DLQ, an idempotency table and an effects table, and an `sqsBatch`
 * consumer of them (exactly-once, `park-group`): each order adds 1 to its payment's `captures` and
 * appends its id to its group's ledger, in one transaction with its idempotency record. An order
 * with `poison` fails with NonRetryableError until it is `fix`ed.
 */
/** A FIFO queue, its consumer and its DLQ — another pipeline's `dlq`, for a DLQ two queues share. */
export const createPipeline = async (options: { dlq?: { url: string } } = {}) => {
  const queue = await createQueue(sqs, 'orders', true);
  const dlq = options.dlq ?? (await createQueue(sqs, 'orders-dlq', true));
  const idempotencyTable = await createTable(dynamodb, 'idem');
  const effects = await createTable(dynamodb, 'effects');
  const queueArn = await arnOf(sqs, queue.url);
  // Orders whose poison was fixed (a consumer deployed that accepts them).
  const fixed = new Set<string>();
  const handler = sqsBatch<Order>(
    async ({ body, groupId }, { transaction }) => {
      if (body.poison && !fixed.has(body.orderId))
        throw new NonRetryableError(`order ${body.orderId} can never be paid`);
      transaction.update({
        TableName: effects,
        Key: { pk: `payment#${body.orderId}` },
        UpdateExpression: 'ADD captures :one',
        ExpressionAttributeValues: { ':one': 1 },
      });
      transaction.update({
        TableName: effects,
        Key: { pk: `ledger#${groupId}` },
        UpdateExpression: 'SET orders = list_append(if_not_exists(orders, :none), :order)',
        ExpressionAttributeValues: { ':none': [], ':order': [body.orderId] },
      });
    },
    {
      idempotency: {
        store: dynamoDBStore({ tableName: idempotencyTable, client: dynamodb }),
        key: (m) => m.body.orderId,
        scope: SCOPE,
      },
      deadLetterQueueUrl: dlq.url,
      onDeadLetter: 'park-group',
      sqsClient: sqs,
      retryBackoff: false,
      metrics: false,
      logger: { info: () => {}, warn: () => {}, error: () => {} },
    },
  );

  /** Sends orders to the queue, in order, in one group. */
  const send = async (group: string, ...orders: Order[]) => {
    for (const order of orders)
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: queue.url,
          MessageBody: JSON.stringify(order),
          MessageGroupId: group,
          MessageDeduplicationId: `${order.orderId}-${Math.random()}`,
        }),
      );
  };

  /** Runs the consumer on the queue until it is empty, as the event source mapping would. */
  const drainQueue = async () => {
    for (let round = 0; round < 50; round++) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queue.url,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: 30,
          MessageAttributeNames: ['All'],
          MessageSystemAttributeNames: ['All'],
        }),
      );
      if (Messages.length === 0) return;
      const records = Messages.map((m) => toLambdaRecord(m, queueArn, stack.region));
      const { batchItemFailures } = await handler({ Records: records });
      if (batchItemFailures.length > 0)
        throw new Error(`the consumer returned ${batchItemFailures.length} records for retry`);
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queue.url,
          Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
        }),
      );
    }
    throw new Error('the queue did not drain');
  };

  const captures = async (orderId: string) =>
    Number(
      (await documents.send(new GetCommand({ TableName: effects, Key: { pk: `payment#${orderId}` } }))).Item
        ?.captures ?? 0,
    );
  const ledger = async (group: string) =>
    ((await documents.send(new GetCommand({ TableName: effects, Key: { pk: `ledger#${group}` } }))).Item
      ?.orders ?? []) as string[];
  /** Writes an idempotency record for an order as the consumer would (COMPLETED or IN_PROGRESS). */
  const putRecord = (orderId: string, status: 'COMPLETED' | 'IN_PROGRESS', expiresInS = 3600) =>
    documents.send(
      new PutCommand({
        TableName: idempotencyTable,
        Item: {
          pk: `${SCOPE}#${orderId}`,
          status,
          owner: 'another-invocation',
          leaseExpiresAt: Date.now() + 60_000,
          expiresAt: Math.floor(Date.now() / 1000) + expiresInS,
        },
      }),
    );
  const fence = async (group: string) =>
    (
      await documents.send(
        new GetCommand({ TableName: idempotencyTable, Key: { pk: `fence#${queue.name}#${group}` } }),
      )
    ).Item;

  const fix = (orderId: string) => fixed.add(orderId);
  return { queue, dlq, idempotencyTable, handler, send, drainQueue, captures, ledger, putRecord, fence, fix };
};
