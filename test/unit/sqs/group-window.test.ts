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

  const stored = (keys: string[], sequence: string, extra: Record<string, unknown> = {}) => ({
    pk: FENCE,
    fenceSequence: sequence,
    expiresAt: NOW / 1000 + 100,
    window: encodeWindow([{ at: NOW / 1000 - 60, digests: keys.map((k) => digestOf(k)) }]),
    ...extra,
  });

  it('a resend whose key is in the window is a duplicate before its handler runs; the rest commits on the window as read', async () => {
    const earlier = sqsRecord('m-c', { id: 'c' }, { group: 'g' });
    ddb.on(GetCommand).resolves({ Item: stored(['a', 'b', 'c'], pad(earlier)) });
    const runs: string[] = [];
    const resend = sqsRecord('m-a-again', { id: 'a' }, { group: 'g' });
    const d = sqsRecord('m-d', { id: 'd' }, { group: 'g' });
    expect(failedIds(await consumer({ runs })(sqsEvent(resend, d), lambdaContext()))).toEqual([]);
    expect(runs).toEqual(['d']);
    const [items] = transactions();
    expect(items?.map((i) => i.Update?.Key?.pk)).toEqual(['d#0', FENCE]);
    const window = windowOf(items ?? []);
    expect(window.condition).toBe('#seq = :seen');
    expect(window.values?.[':seen']).toBe(pad(earlier));
    expect(window.values?.[':last']).toBe(pad(d));
    expect(window.digests).toEqual(['a', 'b', 'c', 'd'].map(hex));
  });

  it('a window that moved on since it was read: the item the cancellation returns (ALL_OLD) settles the duplicate, the rest goes again on it', async () => {
    const x = sqsRecord('m-x', { id: 'x' }, { group: 'g' });
    const y = sqsRecord('m-y', { id: 'y' }, { group: 'g' });
    const movedTo = (BigInt(String(x.attributes.SequenceNumber)) - 1n).toString().padStart(40, '0');
    ddb
      .on(TransactWriteCommand)
      .rejectsOnce(
        new TransactionCanceledException({
          message: 'cancelled',
          $metadata: {},
          CancellationReasons: [
            { Code: 'None' },
            { Code: 'None' },
            { Code: 'ConditionalCheckFailed', Item: marshall(stored(['x'], movedTo)) },
          ],
        }),
      )
      .resolves({});
    const runs: string[] = [];
    expect(failedIds(await consumer({ runs })(sqsEvent(x, y), lambdaContext()))).toEqual([]);
    const [first, second] = transactions();
    expect(first?.map((i) => i.Update?.Key?.pk)).toEqual(['x#0', 'y#0', FENCE]);
    expect(second?.map((i) => i.Update?.Key?.pk)).toEqual(['y#0', FENCE]);
    const window = windowOf(second ?? []);
    // Another request (another condition): another token, or DynamoDB would refuse it as a mismatch.
    const tokens = ddb.commandCalls(TransactWriteCommand).map((c) => c.args[0].input.ClientRequestToken);
    expect(new Set(tokens).size).toBe(2);
    expect(window).toMatchObject({ condition: '#seq = :seen' });
    expect(window.values?.[':seen']).toBe(movedTo);
    expect(window.digests).toEqual(['x', 'y'].map(hex));
  });

  it('a record the fence passed whose key the window does not hold is a late commit: fenced without a transaction', async () => {
    const late = sqsRecord('m-late', { id: 'late' }, { group: 'g' });
    const later = (BigInt(String(late.attributes.SequenceNumber)) + 5n).toString().padStart(40, '0');
    ddb.on(GetCommand).resolves({ Item: stored(['other'], later) });
    const logs = captureLogger();
    const handler = sqsBatch<Body>(async () => {}, {
      metrics: false,
      logger: logs.logger,
      idempotency: {
        store: dynamoDBStore({ tableName: 'idem', client }),
        key: (m) => m.body.id,
        record: 'group-window',
      },
    });
    expect(failedIds(await handler(sqsEvent(late), lambdaContext()))).toEqual(['m-late']);
    expect(transactions()).toEqual([]);
    expect(JSON.stringify(logs.lines)).toContain('LateCommitFencedError');
  });

  it('an ambiguous commit is settled by reading the window back: its keys held → processed', async () => {
    const a = sqsRecord('m-a', { id: 'a' }, { group: 'g' });
    const b = sqsRecord('m-b', { id: 'b' }, { group: 'g' });
    ddb
      .on(GetCommand)
      .resolvesOnce({})
      .resolves({ Item: stored(['a', 'b'], pad(b)) });
    ddb.on(TransactWriteCommand).rejectsOnce(Object.assign(new Error('socket hang up'), { $metadata: {} }));
    expect(failedIds(await consumer()(sqsEvent(a, b), lambdaContext()))).toEqual([]);
    expect(transactions().length).toBe(1);
    expect(ddb.commandCalls(GetCommand).length).toBe(3);
  });

  it('an ambiguous commit whose read-back does not hold the keys goes back to the queue, the group with it', async () => {
    const a = sqsRecord('m-a', { id: 'a' }, { group: 'g' });
    const b = sqsRecord('m-b', { id: 'b' }, { group: 'g' });
    ddb.on(TransactWriteCommand).rejectsOnce(Object.assign(new Error('socket hang up'), { $metadata: {} }));
    expect(failedIds(await consumer()(sqsEvent(a, b), lambdaContext()))).toEqual(['m-a', 'm-b']);
  });

  it('the same key twice in one chunk: the first commits, the second is its duplicate (one transaction)', async () => {
    const runs: string[] = [];
    const records = [
      sqsRecord('m-a', { id: 'a' }, { group: 'g' }),
      sqsRecord('m-b', { id: 'b' }, { group: 'g' }),
      sqsRecord('m-a2', { id: 'a' }, { group: 'g' }),
    ];
    expect(failedIds(await consumer({ runs })(sqsEvent(...records), lambdaContext()))).toEqual([]);
    expect(runs).toEqual(['a', 'b']);
    expect(transactions().length).toBe(1);
    expect(windowOf(transactions()[0] ?? []).digests).toEqual(['a', 'b'].map(hex));
  });

  it('more than 100 actions: the chunk splits; the second transaction is conditioned on the window of the first', async () => {
    const records = ['a', 'b', 'c'].map((id) => sqsRecord(`m-${id}`, { id, items: 40 }, { group: 'g' }));
    expect(failedIds(await consumer()(sqsEvent(...records), lambdaContext()))).toEqual([]);
    const [first, second] = transactions();
    expect([first?.length, second?.length]).toEqual([81, 41]);
    const window = windowOf(second ?? []);
    expect(window.values?.[':seen']).toBe(pad(records[1] as never));
    expect(window.digests).toEqual(['a', 'b', 'c'].map(hex));
    // One read for the group: after it, the window's own commits keep it current.
    expect(ddb.commandCalls(GetCommand).length).toBe(1);
  });

  it('a handler with 99 writes still fits (the 100th action is the window); 100 is refused at registration', async () => {
    const fits = sqsRecord('m-a', { id: 'a', items: 99 }, { group: 'g' });
    expect(failedIds(await consumer()(sqsEvent(fits), lambdaContext()))).toEqual([]);
    expect(transactions()[0]?.length).toBe(100);
    const tooMany = sqsRecord('m-b', { id: 'b', items: 100 }, { group: 'g' });
    expect(failedIds(await consumer()(sqsEvent(tooMany), lambdaContext()))).toEqual(['m-b']);
  });

  it('windowKeys bounds the window: the oldest keys leave first', async () => {
    ddb.on(GetCommand).resolves({ Item: stored(['a', 'b', 'c'], '0') });
    const d = sqsRecord('m-d', { id: 'd' }, { group: 'g' });
    expect(failedIds(await consumer({ windowKeys: 2 })(sqsEvent(d), lambdaContext()))).toEqual([]);
    expect(windowOf(transactions()[0] ?? []).digests).toEqual(['c', 'd'].map(hex));
  });
});
