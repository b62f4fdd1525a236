import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { startDynamoDBStreamSource } from '../../../lib/local/dynamodb-stream-source.ts';
import { localClientConfig } from '../../../lib/local/index.ts';
import { createProducer, outbox, outboxRelay } from '../../../lib/producer/index.ts';
import { createFifoQueue, createTable, localClients, uniqueName } from '../../support/local.ts';
import { captureLogger } from '../../support/sqs-events.ts';

const { stack, dynamodb, documents, sqs } = localClients();

const createOutboxTable = async () => {
  const TableName = uniqueName('outbox');
  const { TableDescription } = await dynamodb.send(
    new CreateTableCommand({
      TableName,
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
    }),
  );
  return { TableName, streamArn: TableDescription?.LatestStreamArn ?? '' };
};

const drain = async (queueUrl: string, expected: number) => {
  const bodies: string[] = [];
  for (let attempt = 0; attempt < 40 && bodies.length < expected; attempt++) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    for (const message of Messages) {
      bodies.push(message.Body ?? '');
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
    }
  }
  // One more read: a duplicate would arrive now.
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
  );
  return [...bodies, ...Messages.map((m) => m.Body ?? '')];
};

describe('transactional outbox on DynamoDB Local', () => {
  it('commits the business write and the outbox entry together, and the relay delivers each once despite a crash', async () => {
    const orders = await createTable(dynamodb, 'orders');
    const { TableName: outboxTable, streamArn } = await createOutboxTable();
    const queueUrl = await createFifoQueue(sqs, 'order-events');
    const box = outbox({ tableName: outboxTable });

    const pay = (orderId: string, customerId: string) =>
      documents.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: orders,
                Item: { pk: orderId, status: 'PAID' },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            box.write({
              id: `paid-${orderId}`,
              orderingKey: customerId,
              body: { type: 'OrderPaid', orderId },
            }),
          ],
        }),
      );
    await pay('o1', 'c1');
    await pay('o2', 'c1');
    await pay('o3', 'c2');
    // A failed business write leaves no outbox entry: o1 exists, so this transaction is cancelled.
    await expect(pay('o1', 'c1')).rejects.toThrow(/cancel/i);

    const producer = createProducer({ queueUrl, client: sqs, metrics: false });
    const relay = outboxRelay({ producer, client: dynamodb, logger: captureLogger().logger });
    let crashed = false;
    // The first invocation sends, then dies before answering: the stream hands the batch over again.
    const crashingRelay = async (event: DynamoDBStreamEvent) => {
      const response = await relay(event);
      if (!crashed) {
        crashed = true;
        throw new Error('simulated crash after sending');
      }
      return response;
    };
    const streams = new DynamoDBStreamsClient(localClientConfig(stack, stack.dynamodb.endpoint));
    const source = startDynamoDBStreamSource({
      client: streams,
      streamArn,
      handler: crashingRelay,
      idleMs: 50,
    });
    try {
      const bodies = await drain(queueUrl, 3);
      expect(crashed).toBe(true);
      expect(bodies.map((b) => JSON.parse(b).orderId).sort()).toEqual(['o1', 'o2', 'o3']);
    } finally {
      await source.stop();
    }
    const entry = await documents.send(
      new GetCommand({ TableName: outboxTable, Key: { pk: 'outbox#c1', sk: 'paid-o1' } }),
    );
    expect(entry.Item?.sentAt).toBeTypeOf('number');
  });

  it('refuses a second outbox entry with the same id', async () => {
    const { TableName } = await createOutboxTable();
    const write = outbox({ tableName: TableName }).write({ id: 'evt-1', orderingKey: 'k', body: 'x' });
    await documents.send(new PutCommand(write.Put));
    await expect(documents.send(new PutCommand(write.Put))).rejects.toThrow(/conditional/i);
  });
});
