import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type LocalStack, localClientConfig } from '../lib/local/index.ts';

/**
 * A DynamoDB client on the local stack that records the operation of every request it sends
 * (at the deserialize step, once per attempt, so SDK retries count too).
 */
export const countedDynamoDB = (
  stack: Pick<LocalStack, 'region' | 'credentials' | 'dynamodb'>,
  endpoint = stack.dynamodb.endpoint,
) => {
  const dynamodb = new DynamoDBClient(localClientConfig(stack, endpoint));
  const operations: string[] = [];
  dynamodb.middlewareStack.add(
    (next, context) => async (args) => {
      operations.push(String(context.commandName).replace(/Command$/, ''));
      return next(args);
    },
    { step: 'deserialize', name: 'countRequests' },
  );
  return { dynamodb, operations };
};

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
