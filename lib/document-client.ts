import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { invalidOption } from './options.ts';

/**
 * The document client every DynamoDB-backed part of the library uses: the caller's own (plain
 * or document) client, or one from the environment. Undefined attributes are left out.
 */
export const documentClient = (client?: DynamoDBClient | DynamoDBDocumentClient): DynamoDBDocumentClient =>
  client instanceof DynamoDBDocumentClient
    ? client
    : DynamoDBDocumentClient.from(client ?? new DynamoDBClient({}), {
        marshallOptions: { removeUndefinedValues: true },
      });

/** Rejects a missing table name at construction, naming the factory that needs it. */
export const requireTableName = (factory: string, tableName: unknown): string => {
  if (typeof tableName !== 'string' || tableName.length === 0)
    invalidOption(factory, 'tableName', 'a non-empty string', tableName);
  return tableName;
};
