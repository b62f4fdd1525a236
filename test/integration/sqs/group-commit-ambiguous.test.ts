import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { dynamoDBStore } from '../../../lib/idempotency/index.ts';
import { localClientConfig } from '../../../lib/local/index.ts';
import { sqsBatch } from '../../../lib/sqs/index.ts';
import { createTable, localClients } from '../../support/local.ts';
import { countRequests } from '../../support/request-counter.ts';
import { captureLogger, sqsEvent, sqsRecord } from '../../support/sqs-events.ts';

const { stack, dynamodb, documents } = localClients();

type Fault = 'after-landing' | 'before-sending' | 'retryable-after-landing';

/** A client whose first TransactWriteItems fails as `fault` says; later requests pass. */
const faultyClient = (fault: Fault) => {
  const client = new DynamoDBClient(localClientConfig(stack, stack.dynamodb.endpoint));
  let armed = true;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (!armed || context.commandName !== 'TransactWriteItemsCommand') return next(args);
      armed = false;
      if (fault === 'before-sending') throw new Error('socket hang up before the request was written');
      await next(args);
      // The write landed; the caller sees a failure anyway (a lost response).
      if (fault === 'after-landing') throw new Error('socket hang up after the request was written');
      throw Object.assign(new Error('timed out'), { name: 'TimeoutError', $metadata: {} });
    },
    { step: 'deserialize', name: 'injectFault' },
  );
  return client;
};

const run = async (fault: Fault) => {
  const payments = await createTable(dynamodb, 'amb-pay');
  const client = faultyClient(fault);
  const requests = countRequests(client);
  const logs = captureLogger();
  const handler = sqsBatch<{ id: string }>(
    async ({ body }, { transaction }) => {
      transaction.update({
        TableName: payments,
        Key: { pk: body.id },
        UpdateExpression: 'ADD captures :one',
        ExpressionAttributeValues: { ':one': 1 },
      });
    },
    {
      idempotency: {
        store: dynamoDBStore({ tableName: await createTable(dynamodb, 'amb-idem'), client }),
        key: (m) => m.body.id,
      },
      groupCommit: true,
      metrics: false,
      logger: logs.logger,
    },
  );
  const event = sqsEvent(...['a', 'b', 'c'].map((id) => sqsRecord(`m-${id}`, { id }, { group: 'g' })));
  const response = await handler(event);
  const captures = async (pk: string) =>
    (await documents.send(new GetCommand({ TableName: payments, Key: { pk } }))).Item?.captures;
  return {
    failures: response.batchItemFailures.map((f) => f.itemIdentifier),
    captures: [await captures('a'), await captures('b'), await captures('c')],
    operations: requests.take(),
    replay: async () => (await handler(event)).batchItemFailures.length,
  };
};

describe('group commit: an ambiguous outcome is settled by reading, never guessed', () => {
  it('the transaction landed but its response was lost: the records read back as ours, all processed', async () => {
    const result = await run('after-landing');
    expect(result.failures).toEqual([]);
    expect(result.captures).toEqual([1, 1, 1]);
    expect(result.operations).toEqual(['TransactWriteItems', 'GetItem', 'GetItem', 'GetItem']);
  });

  it('the transaction never left: the first record reads back absent, it and the rest are retried; the redelivery applies each once', async () => {
    const result = await run('before-sending');
    expect(result.failures).toEqual(['m-a', 'm-b', 'm-c']);
    expect(result.captures).toEqual([undefined, undefined, undefined]);
    expect(await result.replay()).toBe(0);
  });

  it("the SDK's retry resends the same ClientRequestToken: DynamoDB answers success without writing twice", async () => {
    const result = await run('retryable-after-landing');
    expect(result.failures).toEqual([]);
    expect(result.captures).toEqual([1, 1, 1]);
    expect(result.operations).toEqual(['TransactWriteItems', 'TransactWriteItems']);
  });
});
