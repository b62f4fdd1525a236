import { GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createProducer, outbox, outboxRelay } from '../../../lib/producer/index.ts';
import { createFifoQueue, createTable, localClients } from '../../support/local.ts';
import { captureLogger } from '../../support/sqs-events.ts';
import { createOutboxTable, receiveAll, relayStream } from './support.ts';

const { stack, dynamodb, documents, sqs } = localClients();

describe('transactional outbox on DynamoDB Local', () => {
  it('commits the business write and the outbox entry together, and the relay delivers each once despite a crash', async () => {
    const orders = await createTable(dynamodb, 'orders');
    const { TableName: outboxTable, streamArn } = await createOutboxTable(dynamodb);
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
    const source = relayStream(stack, streamArn, crashingRelay);
    try {
      const bodies = (await receiveAll(sqs, queueUrl, 3)).map((m) => m.Body ?? '');
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
    const { TableName } = await createOutboxTable(dynamodb);
    const write = outbox({ tableName: TableName }).write({ id: 'evt-1', orderingKey: 'k', body: 'x' });
    await documents.send(new PutCommand(write.Put));
    await expect(documents.send(new PutCommand(write.Put))).rejects.toThrow(/conditional/i);
  });
});
