// record: 'group-window': the exact DynamoDB commands, with a mocked document client.
import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { dynamoDBStore } from '../../../lib/idempotency/index.ts';
import { sqsBatch } from '../../../lib/sqs/index.ts';
import { decodeWindow, digestOf, encodeWindow } from '../../../lib/sqs/window-item.ts';
import { captureLogger, failedIds, lambdaContext, sqsEvent, sqsRecord } from '../../support/sqs-events.ts';

const ddb = mockClient(DynamoDBDocumentClient);
const client = DynamoDBDocumentClient.from(
  new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } }),
);
type Body = { id: string; items?: number };
const FENCE = 'fence#orders.fifo#g';
const NOW = 1_800_000_000_000;
const pad = (record: { attributes: { SequenceNumber?: string } }) =>
  String(record.attributes.SequenceNumber).padStart(40, '0');

const consumer = (options: { windowKeys?: number; runs?: string[] } = {}) =>
  sqsBatch<Body>(
    async ({ body }, { transaction }) => {
      options.runs?.push(body.id);
      for (let i = 0; i < (body.items ?? 1); i++)
        transaction.update({
          TableName: 'payments',
          Key: { pk: `${body.id}#${i}` },
          UpdateExpression: 'ADD captures :one',
          ExpressionAttributeValues: { ':one': 1 },
        });
    },
    {
      metrics: false,
      logger: captureLogger().logger,
      idempotency: {
        store: dynamoDBStore({ tableName: 'idem', client }),
        key: (m) => m.body.id,
        record: 'group-window',
        scope: '',
        now: () => NOW,
        ...(options.windowKeys && { windowKeys: options.windowKeys }),
      },
    },
  );

const transactions = () =>
  ddb.commandCalls(TransactWriteCommand).map((c) => c.args[0].input.TransactItems ?? []);
const windowOf = (items: ReturnType<typeof transactions>[number]) => {
  const update = items.at(-1)?.Update;
  return {
    pk: update?.Key?.pk,
    condition: update?.ConditionExpression,
    values: update?.ExpressionAttributeValues,
    digests: decodeWindow(update?.ExpressionAttributeValues?.[':window']).flatMap((s) =>
      s.digests.map((d) => d.toString('hex')),
    ),
  };
};
const hex = (key: string) => digestOf(key).toString('hex');

beforeEach(() => {
  ddb.reset();
  ddb.on(GetCommand).resolves({});
  ddb.on(TransactWriteCommand).resolves({});
});

describe("record 'group-window'", () => {
  it('a first chunk: one consistent read of the fence item, one transaction of the writes and the window update', async () => {
    const records = ['a', 'b', 'c'].map((id) => sqsRecord(`m-${id}`, { id }, { group: 'g' }));
    expect(failedIds(await consumer()(sqsEvent(...records), lambdaContext()))).toEqual([]);
    expect(ddb.commandCalls(GetCommand).map((c) => c.args[0].input)).toEqual([
      { TableName: 'idem', Key: { pk: FENCE }, ConsistentRead: true },
    ]);
    const [items] = transactions();
    expect(items?.length).toBe(4);
    expect(items?.slice(0, 3).map((i) => i.Update?.Key?.pk)).toEqual(['a#0', 'b#0', 'c#0']);
    const window = windowOf(items ?? []);
    expect(window).toMatchObject({ pk: FENCE, condition: 'attribute_not_exists(#seq)' });
    expect(window.values?.[':last']).toBe(pad(records[2] as never));
    expect(window.digests).toEqual(['a', 'b', 'c'].map(hex));
    expect(items?.at(-1)?.Update?.ReturnValuesOnConditionCheckFailure).toBe('ALL_OLD');
  });
});
