import {
  DeleteTableCommand,
  type DynamoDBClient,
  PutItemCommand,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { createTable } from './support.ts';

/**
 * How many conditional PutItem and two-item TransactWriteItems requests per second DynamoDB Local
 * completes on this machine with 10 concurrent callers. Local commits transactions about one at a
 * time (puts scale with callers, transactions do not), which DynamoDB does not do for transactions
 * on distinct items; the figure says where a transactional contender's throughput is Local's ceiling.
 */
export const measureLocalCeiling = async (client: DynamoDBClient, requests = 400) => {
  const [a, b] = [await createTable(client, 'ceiling-a'), await createTable(client, 'ceiling-b')];
  let n = 0;
  const ifAbsent = { ConditionExpression: 'attribute_not_exists(pk)' };
  const put = () =>
    client.send(new PutItemCommand({ TableName: a, Item: { pk: { S: `p${++n}` } }, ...ifAbsent }));
  const transaction = () => {
    const pk = { S: `t${++n}` };
    return client.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName: a, Item: { pk }, ...ifAbsent } },
          { Put: { TableName: b, Item: { pk } } },
        ],
      }),
    );
  };
  const perSecond = async (send: () => Promise<unknown>) => {
    let left = requests;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        while (left-- > 0) await send();
      }),
    );
    return requests / ((performance.now() - started) / 1000);
  };
  const result = {
    putItemPerSec: await perSecond(put),
    transactWriteItemsPerSec: await perSecond(transaction),
  };
  for (const TableName of [a, b]) await client.send(new DeleteTableCommand({ TableName }));
  return result;
};
