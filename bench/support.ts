import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** Creates an on-demand table keyed by the string `pk` (and the string `sk` with `sortKey`); returns its name. */
export const createTable = async (
  dynamodb: DynamoDBClient,
  name: string,
  sortKey = false,
): Promise<string> => {
  const keys = sortKey ? ['pk', 'sk'] : ['pk'];
  await dynamodb.send(
    new CreateTableCommand({
      TableName: name,
      KeySchema: keys.map((AttributeName, i) => ({ AttributeName, KeyType: i === 0 ? 'HASH' : 'RANGE' })),
      AttributeDefinitions: keys.map((AttributeName) => ({ AttributeName, AttributeType: 'S' })),
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  return name;
};
