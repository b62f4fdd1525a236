import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/**
 * Counts the HTTP requests a DynamoDB client sends, by operation. Added at the
 * deserialize step, which runs once per attempt, so SDK retries are counted too.
 */
export const countRequests = (client: DynamoDBClient) => {
  const operations: string[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      operations.push(String(context.commandName).replace(/Command$/, ''));
      return next(args);
    },
    { step: 'deserialize', name: 'countRequests' },
  );
  return {
    /** Operations sent since the last `take()`, in order; resets the count. */
    take: () => operations.splice(0),
  };
};
