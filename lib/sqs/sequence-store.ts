import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, requireTableName } from '../document-client.ts';
import type { TransactWrite } from '../idempotency/transaction.ts';

/**
 * Per-key sequence watermarks: the last sequence number processed for each key.
 * A plain type, so a DynamoDB store and a memory store both fit.
 */
export type SequenceStore = {
  /** The last processed sequence number of `key`, or 0 when none was. */
  last(key: string): Promise<number>;
  /** Moves the watermark from `from` to `to` if it is still `from`. Returns whether it moved. */
  advance(key: string, from: number, to: number): Promise<boolean>;
  /** The same move as one write for an exactly-once transaction; `undefined` if this store has no such write. */
  advanceWrite?(key: string, from: number, to: number): TransactWrite;
};

// Watermarks share the idempotency table's key shape (string `pk`), so one table can hold both;
// they have no `expiresAt`, so TTL never deletes them.
const pkOf = (key: string) => `sequence#${key}`;

const advanceInput = (TableName: string, key: string, from: number, to: number) => ({
  TableName,
  Key: { pk: pkOf(key) },
  UpdateExpression: 'SET #last = :to',
  // Conditional on the watermark we read: a concurrent consumer that moved it first wins.
  ConditionExpression: from === 0 ? 'attribute_not_exists(#last) OR #last = :from' : '#last = :from',
  ExpressionAttributeNames: { '#last': 'last' },
  ExpressionAttributeValues: { ':from': from, ':to': to },
});

/**
 * Sequence watermarks in DynamoDB (partition key `pk`, string); an idempotency table works.
 *
 * @example
 * const sequence = dynamoDBSequenceStore({ tableName: process.env.IDEMPOTENCY_TABLE! });
 */
export const dynamoDBSequenceStore = (options: {
  tableName: string;
  client?: DynamoDBClient | DynamoDBDocumentClient;
}): SequenceStore => {
  requireTableName('dynamoDBSequenceStore', options?.tableName);
  const { tableName } = options;
  const documents = documentClient(options.client);
  return {
    async last(key) {
      const { Item } = await documents.send(
        new GetCommand({ TableName: tableName, Key: { pk: pkOf(key) }, ConsistentRead: true }),
      );
      return typeof Item?.last === 'number' ? Item.last : 0;
    },
    async advance(key, from, to) {
      try {
        await documents.send(new UpdateCommand(advanceInput(tableName, key, from, to)));
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw error;
      }
    },
    advanceWrite: (key, from, to) => ({ Update: advanceInput(tableName, key, from, to) }),
  };
};

/** Sequence watermarks in memory, for unit tests and local use (no transactional write). */
export const memorySequenceStore = (): SequenceStore & {
  readonly watermarks: ReadonlyMap<string, number>;
} => {
  const watermarks = new Map<string, number>();
  return {
    watermarks,
    last: async (key) => watermarks.get(key) ?? 0,
    async advance(key, from, to) {
      if ((watermarks.get(key) ?? 0) !== from) return false;
      watermarks.set(key, to);
      return true;
    },
  };
};
