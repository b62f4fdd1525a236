import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, type DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, requireTableName } from '../document-client.ts';
import { SequenceCounterError } from './errors.ts';

/** Numbers messages per ordering key — 1, 2, 3… — each message once, by its id. */
export type SequenceCounter = {
  /**
   * The numbers of the messages `ids` of ordering key `key`, in the order given: an id numbered
   * before gets its number again (a resend must not leave a gap); new ids get the next numbers.
   */
  assign(key: string, ids: readonly string[]): Promise<number[]>;
};

const sequenceCounterDefaults = { retainForMs: 7 * 24 * 3_600_000 } as const;

// TransactWriteItems takes at most 100 actions (DynamoDB developer guide, transactions):
// the counter's update plus 99 numbers.
const PER_TRANSACTION = 99;
// BatchGetItem reads at most 100 items per call (DynamoDB API reference, BatchGetItem).
const PER_READ = 100;
const MAX_CONFLICTS = 5;

const counterKey = (key: string) => `counter#${key}`;
// The key's length first, so no key and id pair can spell another's.
const numberKey = (key: string, id: string) => `sequence#${key.length}:${key}#${id}`;

/**
 * A per-key counter in DynamoDB (partition key `pk`, string). Each message's number is stored
 * under its id, in the same transaction that moves the key's counter: a crash between the two
 * cannot waste a number, and a relay or caller that resends an id gets the number it had.
 * Costs, per key in a `send`: one `BatchGetItem` and, for ids not numbered yet, one
 * `TransactWriteItems` (2 write units per item). Numbers are kept `retainForMs` (TTL on
 * `expiresAt`); an id resent after that is numbered again.
 *
 * @example
 * const producer = createProducer({ queueUrl, sequence: dynamoDBSequenceCounter({ tableName: 'counters' }) });
 */
export const dynamoDBSequenceCounter = (options: {
  tableName: string;
  client?: DynamoDBClient | DynamoDBDocumentClient;
  /** How long an id keeps its number. @default 604_800_000 (7 days) */
  retainForMs?: number;
}): SequenceCounter => {
  const TableName = requireTableName('dynamoDBSequenceCounter', options?.tableName);
  const documents = documentClient(options.client);
  const retainForMs = options.retainForMs ?? sequenceCounterDefaults.retainForMs;

  const read = async (key: string, pks: readonly string[]) => {
    const found = new Map<string, number>();
    for (let i = 0; i < pks.length; i += PER_READ) {
      let keys: Record<string, unknown>[] = pks.slice(i, i + PER_READ).map((pk) => ({ pk }));
      // Unprocessed keys come back under throttling; bounded, then the SDK's own retries apply.
      for (let round = 0; keys.length > 0 && round < 10; round++) {
        const { Responses, UnprocessedKeys } = await documents.send(
          new BatchGetCommand({ RequestItems: { [TableName]: { Keys: keys, ConsistentRead: true } } }),
        );
        for (const item of Responses?.[TableName] ?? []) found.set(String(item.pk), Number(item.n));
        keys = UnprocessedKeys?.[TableName]?.Keys ?? [];
      }
      if (keys.length > 0) throw new SequenceCounterError(key, `DynamoDB left ${keys.length} numbers unread`);
    }
    return found;
  };

  const assign = async (key: string, ids: readonly string[]): Promise<number[]> => {
    for (let conflict = 0; ; conflict++) {
      const found = await read(key, [counterKey(key), ...ids.map((id) => numberKey(key, id))]);
      let last = found.get(counterKey(key)) ?? 0;
      const fresh = ids.filter((id) => !found.has(numberKey(key, id)));
      try {
        for (let i = 0; i < fresh.length; i += PER_TRANSACTION) {
          const chunk = fresh.slice(i, i + PER_TRANSACTION);
          const expiresAt = Math.floor((Date.now() + retainForMs) / 1000);
          await documents.send(
            new TransactWriteCommand({
              TransactItems: [
                {
                  Update: {
                    TableName,
                    Key: { pk: counterKey(key) },
                    UpdateExpression: 'SET n = :next',
                    ConditionExpression: last === 0 ? 'attribute_not_exists(n)' : 'n = :last',
                    ExpressionAttributeValues: {
                      ':next': last + chunk.length,
                      ...(last === 0 ? {} : { ':last': last }),
                    },
                  },
                },
                ...chunk.map((id, j) => ({
                  Put: {
                    TableName,
                    Item: { pk: numberKey(key, id), n: last + j + 1, expiresAt },
                    ConditionExpression: 'attribute_not_exists(pk)',
                  },
                })),
              ],
            }),
          );
          for (const [j, id] of chunk.entries()) found.set(numberKey(key, id), last + j + 1);
          last += chunk.length;
        }
        return ids.map((id) => found.get(numberKey(key, id))!);
      } catch (error) {
        // Another writer numbered this key (or one of these ids) meanwhile: read again.
        if ((error as Error).name !== 'TransactionCanceledException') throw error;
        if (conflict + 1 >= MAX_CONFLICTS)
          throw new SequenceCounterError(key, `${MAX_CONFLICTS} conflicting writers in a row`, error);
      }
    }
  };
  return { assign };
};

/** A counter in memory, for tests and local use. */
export const memorySequenceCounter = (): SequenceCounter => {
  const counters = new Map<string, number>();
  const numbers = new Map<string, number>();
  return {
    assign: async (key, ids) =>
      ids.map((id) => {
        const known = numbers.get(numberKey(key, id));
        if (known !== undefined) return known;
        const next = (counters.get(key) ?? 0) + 1;
        counters.set(key, next);
        numbers.set(numberKey(key, id), next);
        return next;
      }),
  };
};
