import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { documentClient } from '../document-client.ts';

/**
 * Where a replay records what it sent, so a re-run after a crash sends nothing twice to a standard
 * queue: a DynamoDB table keyed by a string `pk` (an idempotency table fits). Each message is
 * claimed (`sending`) by a conditional put before it is sent and marked `sent` right after.
 */
export type ReplayLedger = { client?: DynamoDBClient; tableName: string };

export type LedgerEntry = { status: 'sending' | 'sent'; at: number };

// Kept 14 days, SQS's longest retention: by then the DLQ message cannot come back.
const TTL_SECONDS = 14 * 24 * 3600;

export const openLedger = (ledger: ReplayLedger) => {
  const documents = documentClient(ledger.client);
  const key = (replayId: string) => ({ pk: `replay#${replayId}` });
  return {
    /** Claims the replay; returns the earlier entry when one exists. */
    async claim(replayId: string): Promise<LedgerEntry | undefined> {
      const now = Date.now();
      try {
        await documents.send(
          new PutCommand({
            TableName: ledger.tableName,
            Item: {
              ...key(replayId),
              status: 'sending',
              at: now,
              expiresAt: Math.floor(now / 1000) + TTL_SECONDS,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        return undefined;
      } catch (error) {
        const { name, Item } = error as { name?: string; Item?: Parameters<typeof unmarshall>[0] };
        if (name !== 'ConditionalCheckFailedException') throw error;
        // The document client leaves ALL_OLD marshalled on the error.
        const old = Item ? unmarshall(Item) : {};
        return { status: old.status === 'sent' ? 'sent' : 'sending', at: Number(old.at ?? 0) };
      }
    },
    async markSent(replayId: string): Promise<void> {
      await documents.send(
        new UpdateCommand({
          TableName: ledger.tableName,
          Key: key(replayId),
          UpdateExpression: 'SET #status = :sent, #at = :now',
          ExpressionAttributeNames: { '#status': 'status', '#at': 'at' },
          ExpressionAttributeValues: { ':sent': 'sent', ':now': Date.now() },
        }),
      );
    },
  };
};
