import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import {
  createProducer,
  dynamoDBSequenceCounter,
  outbox,
  outboxRelay,
  ProducerAttribute,
} from '../../../lib/producer/index.ts';
import { createFifoQueue, createTable, localClients } from '../../support/local.ts';
import { captureLogger } from '../../support/sqs-events.ts';
import { createOutboxTable, receiveAll, relayStream } from './support.ts';

const { stack, dynamodb, documents, sqs } = localClients();

describe('outbox relay with a DynamoDB sequence counter', () => {
  it('a relay retried after a crash keeps each entry its number: the next entry follows with no gap', async () => {
    const { TableName, streamArn } = await createOutboxTable(dynamodb);
    const counters = await createTable(dynamodb, 'counters');
    const queueUrl = await createFifoQueue(sqs, 'numbered');
    const box = outbox({ tableName: TableName });
    const producer = createProducer({
      queueUrl,
      client: sqs,
      metrics: false,
      sequence: dynamoDBSequenceCounter({ tableName: counters, client: dynamodb }),
    });
    const relay = outboxRelay({ producer, client: dynamodb, logger: captureLogger().logger });
    let invocations = 0;
    // The first invocation sends e1 and e2, then dies before answering: the stream retries them.
    const crashOnce = async (event: DynamoDBStreamEvent) => {
      invocations++;
      const response = await relay(event);
      if (invocations === 1) throw new Error('simulated crash after sending');
      return response;
    };
    const write = (id: string) =>
      documents.send(new PutCommand(box.write({ id, orderingKey: 'k', body: id }).Put));
    await write('e1');
    await write('e2');
    const source = relayStream(stack, streamArn, crashOnce);
    try {
      const firstTwo = await receiveAll(sqs, queueUrl, 2);
      for (let i = 0; i < 100 && invocations < 2; i++) await new Promise((r) => setTimeout(r, 50));
      expect(invocations).toBeGreaterThanOrEqual(2);
      await write('e3');
      const third = await receiveAll(sqs, queueUrl, 1);
      const numbered = [...firstTwo, ...third].map((m) => [
        m.Body,
        Number(m.MessageAttributes?.[ProducerAttribute.Sequence]?.StringValue),
      ]);
      expect(numbered).toEqual([
        ['e1', 1],
        ['e2', 2],
        ['e3', 3],
      ]);
    } finally {
      await source.stop();
    }
  });
});
