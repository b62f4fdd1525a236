import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { dynamoDBStore } from '../../../lib/idempotency/index.ts';
import { createReliabilityMetrics, memorySink } from '../../../lib/metrics/index.ts';
import { DeadLetterAttribute, sqsBatch } from '../../../lib/sqs/index.ts';
import { createFifoQueue, createTable, localClients } from '../../support/local.ts';
import { captureLogger, failedIds, lambdaContext, sqsEvent, sqsRecord } from '../../support/sqs-events.ts';

const { sqs, dynamodb, documents } = localClients();

/** Every message on the dead-letter queue, by source message id: its error name and message. */
const deadLetters = async (queueUrl: string, expected: number) => {
  const found: Record<string, { name?: string; message?: string }> = {};
  for (let attempt = 0; attempt < 8 && Object.keys(found).length < expected; attempt++) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        MessageAttributeNames: ['All'],
      }),
    );
    for (const m of Messages) {
      const attributes = m.MessageAttributes ?? {};
      found[attributes[DeadLetterAttribute.SourceMessageId]?.StringValue ?? '?'] = {
        name: attributes[DeadLetterAttribute.ErrorName]?.StringValue,
        message: attributes[DeadLetterAttribute.ErrorMessage]?.StringValue,
      };
    }
  }
  return found;
};

const setup = async () => {
  const store = dynamoDBStore({ tableName: await createTable(dynamodb, 'idempotency'), client: dynamodb });
  const accounts = await createTable(dynamodb, 'accounts');
  const deadLetterQueueUrl = await createFifoQueue(sqs, 'poison-dlq');
  const sink = memorySink();
  const { lines, logger } = captureLogger();
  return { store, accounts, deadLetterQueueUrl, sink, lines, logger };
};

describe('sqsBatch with idempotency on DynamoDB Local: input that can never succeed', () => {
  it('a key function that returns an object is an IdempotencyKeyError, and each record goes to the DLQ', async () => {
    const { store, deadLetterQueueUrl, sink, logger } = await setup();
    const ran: string[] = [];
    const handler = sqsBatch<{ order: { id: string } }>(
      async ({ body }) => {
        ran.push(body.order.id);
      },
      {
        // Meant `m.body.order.id`: every message would map to "[object Object]".
        idempotency: { store, key: (m) => m.body.order as never },
        deadLetterQueueUrl,
        sqsClient: sqs,
        metrics: createReliabilityMetrics({ sink }),
        logger,
      },
    );
    const response = await handler(
      sqsEvent(
        sqsRecord('o1', { order: { id: 'o1' } }, { group: 'a' }),
        sqsRecord('o2', { order: { id: 'o2' } }, { group: 'b' }),
        sqsRecord('o3', { order: { id: 'o3' } }, { group: 'c' }),
      ),
      lambdaContext(),
    );
    expect(failedIds(response)).toEqual([]);
    expect(ran).toEqual([]);
    const dead = await deadLetters(deadLetterQueueUrl, 3);
    expect(Object.keys(dead).sort()).toEqual(['o1', 'o2', 'o3']);
    expect(dead.o2?.name).toBe('IdempotencyKeyError');
    expect(dead.o2?.message).toMatch(/returned an object/);
    expect(sink.totals()).toMatchObject({
      MessagesDeadLettered: 3,
      DuplicatesSuppressed: 0,
      MessagesProcessed: 0,
    });
  });

  it('library errors that cannot pass on a retry, and a write condition marked as poison, go to the DLQ at once; an unmarked condition is retried', async () => {
    const { store, accounts, deadLetterQueueUrl, logger } = await setup();
    await documents.send(new PutCommand({ TableName: accounts, Item: { pk: 'acct', balance: 5 } }));
    const debit = (amount: number) => ({
      TableName: accounts,
      Key: { pk: 'acct' },
      UpdateExpression: 'SET balance = balance - :amount',
      ConditionExpression: 'balance >= :amount',
      ExpressionAttributeValues: { ':amount': amount },
    });
    type Body = { case: string };
    const handler = sqsBatch<Body>(
      async ({ body }, { transaction }) => {
        switch (body.case) {
          case 'too-large':
            return 'x'.repeat(500_000);
          case 'not-serializable':
            return { amount: 10n };
          case 'too-many-writes':
            for (let i = 0; i < 100; i++) transaction.put({ TableName: accounts, Item: { pk: `w${i}` } });
            return;
          case 'overdraft-poison':
            transaction.update(debit(50), { onConditionFailure: 'dead-letter' });
            return;
          case 'overdraft-retry':
            transaction.update(debit(50));
            return;
        }
      },
      {
        idempotency: { store, key: (m) => m.messageId },
        deadLetterQueueUrl,
        sqsClient: sqs,
        metrics: false,
        logger,
      },
    );
    const cases = ['too-large', 'not-serializable', 'too-many-writes', 'overdraft-poison', 'overdraft-retry'];
    const response = await handler(
      sqsEvent(...cases.map((name) => sqsRecord(name, { case: name }, { group: name }))),
      lambdaContext(),
    );
    expect(failedIds(response)).toEqual(['overdraft-retry']);
    const dead = await deadLetters(deadLetterQueueUrl, 4);
    expect(Object.fromEntries(Object.entries(dead).map(([id, d]) => [id, d.name]))).toEqual({
      'too-large': 'IdempotencyResultTooLargeError',
      'not-serializable': 'IdempotencyResultError',
      'too-many-writes': 'IdempotencyTransactionError',
      'overdraft-poison': 'WriteConditionFailedError',
    });
    expect(dead['overdraft-poison']?.message).toMatch(/ConditionExpression of write 1/);
    const { Item } = await documents.send(new GetCommand({ TableName: accounts, Key: { pk: 'acct' } }));
    expect(Item?.balance).toBe(5);
  });
});
