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

  it('a late commit of 1 after 2 moved the watermark is cancelled by the watermark condition: 1 is never applied after 2', async () => {
    // The FIFO fence's rule, on a standard queue: the watermark moves only from the number the
    // record was checked against, in the record's own transaction.
    const table = await createTable(dynamodb, 'idempotency');
    const ledger = await createTable(dynamodb, 'ledger');
    const client = new DynamoDBClient(localClientConfig(stack, stack.dynamodb.endpoint));
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started = () => {};
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    const handler = sqsBatch<{ account: string; seq: number }>(
      async ({ body }, { transaction }) => {
        if (body.seq === 1) {
          started();
          await gate;
        }
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
        sequence: {
          store: dynamoDBSequenceStore({ tableName: table, client }),
          key: (m) => m.body.account,
          seq: (m) => m.body.seq,
          maxReceiveCount: 3,
        },
        metrics: false,
        logger: captureLogger().logger,
      },
    );
    // A (late) holds 1; 2 arrives on its last receive, so the gap before it counts lost and it applies.
    const late = handler(sqsEvent(sqsRecord('m1', { account: 'acct-9', seq: 1 })));
    await running;
    const second = await handler(
      sqsEvent(sqsRecord('m2', { account: 'acct-9', seq: 2 }, { receiveCount: 3 })),
    );
    expect(failedIds(second)).toEqual([]);
    release();
    // A's commit is cancelled (the watermark is not where A read it): reported for retry, nothing written.
    expect(failedIds(await late)).toEqual(['m1']);
    // Its redelivery is below the watermark: a duplicate, acknowledged (it was counted lost with 2).
    expect(
      failedIds(await handler(sqsEvent(sqsRecord('m1', { account: 'acct-9', seq: 1 }, { receiveCount: 2 })))),
    ).toEqual([]);
    const applied = await documents.send(
      new GetCommand({ TableName: ledger, Key: { pk: 'acct-9' }, ConsistentRead: true }),
    );
    expect(applied.Item?.applied).toEqual([2]);
  });
});
