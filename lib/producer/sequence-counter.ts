import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, requireTableName } from '../document-client.ts';

/** Hands out sequence numbers per ordering key: 1, 2, 3… */
export type SequenceCounter = {
  /** Reserves `count` consecutive numbers for `key` and returns the first. */
  reserve(key: string, count: number): Promise<number>;
};

/**
 * A per-key counter in DynamoDB (partition key `pk`, string): one atomic `ADD` reserves a
 * block of numbers for all the messages of one key in a `send` call. A number whose message
 * is finally not sent leaves a gap the consumer's sequence guard reports as lost.
 *
 * @example
 * const producer = createProducer({ queueUrl, sequence: dynamoDBSequenceCounter({ tableName: 'counters' }) });
 */
export const dynamoDBSequenceCounter = (options: {
  tableName: string;
  client?: DynamoDBClient | DynamoDBDocumentClient;
}): SequenceCounter => {
  requireTableName('dynamoDBSequenceCounter', options?.tableName);
  const documents = documentClient(options.client);
  return {
    async reserve(key, count) {
      const { Attributes } = await documents.send(
        new UpdateCommand({
          TableName: options.tableName,
          Key: { pk: `counter#${key}` },
          UpdateExpression: 'ADD #next :count',
          ExpressionAttributeNames: { '#next': 'next' },
          ExpressionAttributeValues: { ':count': count },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return Number(Attributes?.next) - count + 1;
    },
  };
};

/** A counter in memory, for tests and local use. */
export const memorySequenceCounter = (): SequenceCounter => {
  const counters = new Map<string, number>();
  return {
    reserve: async (key, count) => {
      const first = (counters.get(key) ?? 0) + 1;
      counters.set(key, first + count - 1);
      return first;
    },
  };
};
