import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { expect, it } from 'vitest';
import { meterCapacity } from '../../../bench/capacity.ts';
import { localClientConfig } from '../../../lib/local/index.ts';
import { createTable, localClients } from '../../support/local.ts';

const { stack, dynamodb } = localClients();

it('meters Document client commands on DynamoDB Local, and the model agrees with what Local reports for single items', async () => {
  const table = await createTable(dynamodb, 'capacity');
  const client = new DynamoDBClient(localClientConfig(stack, stack.dynamodb.endpoint));
  const meter = meterCapacity(client);
  const documents = DynamoDBDocumentClient.from(client);
  const ifAbsent = { ConditionExpression: 'attribute_not_exists(pk)' };
  await documents.send(new PutCommand({ TableName: table, Item: { pk: 'a' }, ...ifAbsent }));
  await expect(
    documents.send(new PutCommand({ TableName: table, Item: { pk: 'a' }, ...ifAbsent })),
  ).rejects.toThrow();
  const put = (pk: string) => ({ Put: { TableName: table, Item: { pk } } });
  await documents.send(new TransactWriteCommand({ TransactItems: [put('b'), put('c'), put('d')] }));
  await expect(
    documents.send(
      new TransactWriteCommand({ TransactItems: [put('e'), { Put: { ...put('a').Put, ...ifAbsent } }] }),
    ),
  ).rejects.toThrow();
  const tally = meter.take();
  expect(tally.write).toBe(1 + 1 + 6 + 4);
  expect(tally.requests).toEqual({ PutItem: 2, TransactWriteItems: 2 });
  expect(tally).toMatchObject({ checked: 1, agreed: 1 });
  expect(meter.take().write).toBe(0);
});
