import { createHash } from 'node:crypto';
import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { documentClient, requireTableName } from '../document-client.ts';
import type { CompleteExpectation, IdempotencyRecord, IdempotencyStore } from './types.ts';

export type DynamoDBStoreOptions = {
  tableName: string;
  /** A DynamoDB client (plain or document); one is created from the environment when omitted. */
  client?: DynamoDBClient | DynamoDBDocumentClient;
};

// `status` and `owner` are DynamoDB reserved words, so attributes go through name placeholders
// (and DynamoDB rejects a placeholder that its expression does not use).
const freeNames = { '#pk': 'pk', '#status': 'status', '#lease': 'leaseExpiresAt', '#expires': 'expiresAt' };

// The key is free when nobody holds it, its record expired (TTL deletion can lag by days),
// or an IN_PROGRESS lease lapsed (the holder crashed or timed out).
const FREE = 'attribute_not_exists(#pk) OR #expires < :nowS OR (#status = :inProgress AND #lease < :nowMs)';
const OWNED = '#owner = :owner';
const freeValues = (nowMs: number) => ({
  ':nowS': Math.floor(nowMs / 1000),
  ':nowMs': nowMs,
  ':inProgress': 'IN_PROGRESS',
});

const toItem = (record: IdempotencyRecord) => {
  const { key, ...rest } = record;
  return { pk: key, ...rest };
};

const toRecord = (item: Record<string, unknown> | undefined): IdempotencyRecord | undefined => {
  if (!item) return undefined;
  const { pk, ...rest } = item as { pk: string } & Omit<IdempotencyRecord, 'key'>;
  return { key: pk, ...rest };
};

const condition = (expect: CompleteExpectation, record: IdempotencyRecord, nowMs: number) =>
  expect === 'owner'
    ? {
        ConditionExpression: OWNED,
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: { ':owner': record.owner },
      }
    : {
        ConditionExpression: FREE,
        ExpressionAttributeNames: freeNames,
        ExpressionAttributeValues: freeValues(nowMs),
      };

/**
 * Idempotency records in a DynamoDB table whose partition key is the string `pk` and whose
 * TTL attribute is `expiresAt` (the `IdempotencyTable` construct creates exactly that).
 * A claim is one conditional `PutItem`; a duplicate costs that one request, because the
 * existing record comes back with the failure (`ReturnValuesOnConditionCheckFailure: ALL_OLD`).
 *
 * @example
 * const store = dynamoDBStore({ tableName: process.env.IDEMPOTENCY_TABLE! });
 */
export const dynamoDBStore = (options: DynamoDBStoreOptions): IdempotencyStore => {
  requireTableName('dynamoDBStore', options?.tableName);
  const TableName = options.tableName;
  const documents = documentClient(options.client);

  return {
    async claim(record, nowMs) {
      try {
        await documents.send(
          new PutCommand({
            TableName,
            Item: toItem(record),
            ...condition('absent', record, nowMs),
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        return { claimed: true };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        const existing = toRecord(error.Item && unmarshall(error.Item));
        // The record vanished between the check and the response (TTL); report it as held until retried.
        return { claimed: false, existing: existing ?? { ...record, status: 'IN_PROGRESS', owner: '' } };
      }
    },

    async complete(record, expect, writes, nowMs) {
      const put = { TableName, Item: toItem(record), ...condition(expect, record, nowMs) };
      try {
        if (writes.length === 0) {
          await documents.send(new PutCommand({ ...put, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' }));
        } else {
          await documents.send(
            new TransactWriteCommand({
              TransactItems: [{ Put: { ...put, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } }, ...writes],
              // Makes an SDK retry of this very transaction a no-op instead of a condition failure
              // (the token is honoured for 10 minutes). The owner token is unique per call.
              ClientRequestToken: createHash('sha256')
                .update(`${record.key}\n${record.owner}`)
                .digest('hex')
                .slice(0, 36),
            }),
          );
        }
        return { completed: true };
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) {
          return { completed: false, existing: toRecord(error.Item && unmarshall(error.Item)) };
        }
        const reason =
          error instanceof TransactionCanceledException ? error.CancellationReasons?.[0] : undefined;
        if (reason?.Code === 'ConditionalCheckFailed') {
          return { completed: false, existing: toRecord(reason.Item && unmarshall(reason.Item)) };
        }
        throw error;
      }
    },

    transactional: {
      documents,
      tableName: TableName,
      recordPut: (record, nowMs) => ({
        Put: {
          TableName,
          Item: toItem(record),
          ...condition('absent', record, nowMs),
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      }),
      toRecord,
    },

    async release(key, owner) {
      try {
        await documents.send(
          new DeleteCommand({
            TableName,
            Key: { pk: key },
            // Never a COMPLETED record: a commit whose answer was lost may have landed.
            ConditionExpression: `${OWNED} AND #status = :inProgress`,
            ExpressionAttributeNames: { '#owner': 'owner', '#status': 'status' },
            ExpressionAttributeValues: { ':owner': owner, ':inProgress': 'IN_PROGRESS' },
          }),
        );
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw error;
      }
    },

    async get(key) {
      const { Item } = await documents.send(
        new GetCommand({ TableName, Key: { pk: key }, ConsistentRead: true }),
      );
      return toRecord(Item);
    },
  };
};
