import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { dynamoDBStore } from '../../../lib/idempotency/index.ts';
import { localClientConfig } from '../../../lib/local/index.ts';
import { dynamoDBSequenceStore, sqsBatch } from '../../../lib/sqs/index.ts';
import { createTable, localClients } from '../../support/local.ts';
import { captureLogger, failedIds, sqsEvent, sqsRecord } from '../../support/sqs-events.ts';

const { stack, dynamodb, documents } = localClients();

describe('sequence guard on DynamoDB Local, exactly-once', () => {
  it('moves the watermark in the same transaction as the effect; 1, 3, 2 apply as 1, 2, 3', async () => {
    const table = await createTable(dynamodb, 'idempotency');
    const ledger = await createTable(dynamodb, 'ledger');
    const client = new DynamoDBClient(localClientConfig(stack, stack.dynamodb.endpoint));
    const handler = sqsBatch<{ account: string; seq: number }>(
      async ({ body }, { transaction }) => {
        transaction.update({
          TableName: ledger,
          Key: { pk: body.account },
          UpdateExpression: 'SET applied = list_append(if_not_exists(applied, :empty), :seq)',
          ExpressionAttributeValues: { ':seq': [body.seq], ':empty': [] },
        });
      },
      {
        idempotency: {
          store: dynamoDBStore({ tableName: table, client }),
          key: (m) => `${m.body.account}#${m.body.seq}`,
        },
        // Watermarks live in the idempotency table: same key shape, no TTL attribute.
        sequence: {
          store: dynamoDBSequenceStore({ tableName: table, client }),
          key: (m) => m.body.account,
          seq: (m) => m.body.seq,
        },
        metrics: false,
        logger: captureLogger().logger,
      },
    );
    const deliver = (seq: number, id = `m${seq}`) =>
      handler(sqsEvent(sqsRecord(id, { account: 'acct-7', seq })));

    expect(failedIds(await deliver(1))).toEqual([]);
    expect(failedIds(await deliver(3))).toEqual(['m3']);
    expect(failedIds(await deliver(2))).toEqual([]);
    expect(failedIds(await deliver(2, 'm2-again'))).toEqual([]); // a duplicate send of 2
    expect(failedIds(await deliver(3))).toEqual([]);

    const applied = await documents.send(new GetCommand({ TableName: ledger, Key: { pk: 'acct-7' } }));
    expect(applied.Item?.applied).toEqual([1, 2, 3]);
    const watermark = await documents.send(
      new GetCommand({ TableName: table, Key: { pk: 'sequence#acct-7' } }),
    );
    expect(watermark.Item?.last).toBe(3);
  });
});
