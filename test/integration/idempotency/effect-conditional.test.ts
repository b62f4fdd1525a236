import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import {
  dynamoDBStore,
  makeIdempotent,
  putIfAbsent,
  updateOncePerKey,
} from '../../../lib/idempotency/index.ts';
import { localClientConfig } from '../../../lib/local/index.ts';
import { createReliabilityMetrics, memorySink } from '../../../lib/metrics/index.ts';
import { sqsBatch } from '../../../lib/sqs/index.ts';
import { createTable, localClients } from '../../support/local.ts';
import { countRequests } from '../../support/request-counter.ts';
import { captureLogger, sqsEvent, sqsRecord } from '../../support/sqs-events.ts';

const { stack, dynamodb, documents } = localClients();

type Order = { id: string; amount: number };

const setup = async () => {
  const client = new DynamoDBClient(localClientConfig(stack, stack.dynamodb.endpoint));
  return { client, requests: countRequests(client), table: await createTable(dynamodb, 'effect') };
};
const read = async (TableName: string, pk: string) =>
  (await documents.send(new GetCommand({ TableName, Key: { pk } }))).Item;

describe("mode 'effect-conditional' on DynamoDB Local", () => {
  it('putIfAbsent: one PutItem per first delivery; a repeat is a duplicate that writes nothing', async () => {
    const { client, requests, table } = await setup();
    let runs = 0;
    const capture = makeIdempotent(
      async (order: Order, { transaction }) => {
        runs++;
        transaction.put(putIfAbsent({ TableName: table, Item: { pk: order.id, amount: order.amount } }));
        return { captured: order.amount };
      },
      { mode: 'effect-conditional', key: (order) => order.id, client, scope: 'pay' },
    );
    expect(await capture({ id: 'o1', amount: 5 })).toEqual({ captured: 5 });
    expect(requests.take()).toEqual(['PutItem']);
    // No stored result: a duplicate gets undefined.
    expect(await capture({ id: 'o1', amount: 5 })).toBeUndefined();
    expect(requests.take()).toEqual(['PutItem']);
    expect(runs).toBe(2);
    expect(await read(table, 'o1')).toEqual({
      pk: 'o1',
      amount: 5,
      idempotencyKey: 'pay#o1',
      idempotencyCall: expect.any(String),
    });
  });

  it('an item another key wrote, or a failed condition of the caller, is not a duplicate: EffectConditionFailedError', async () => {
    const { client, table } = await setup();
    await documents.send(new PutCommand({ TableName: table, Item: { pk: 'taken' } }));
    const write = makeIdempotent(
      async (input: { pk: string; key: string }, { transaction }) => {
        transaction.put(
          putIfAbsent({
            TableName: table,
            Item: { pk: input.pk },
            ConditionExpression: 'attribute_not_exists(blocked)',
          }),
        );
      },
      { mode: 'effect-conditional', key: (input) => input.key, client, scope: '' },
    );
    await expect(write({ pk: 'taken', key: 'k1' })).rejects.toMatchObject({
      name: 'EffectConditionFailedError',
      key: 'k1',
      item: { pk: 'taken' },
    });
  });

  it('updateOncePerKey with a position: each position lands once, a redelivered lower one is a duplicate', async () => {
    const { client, table } = await setup();
    const apply = makeIdempotent(
      async (entry: { id: string; seq: number; amount: number }, { transaction }) => {
        transaction.update(
          updateOncePerKey(
            {
              TableName: table,
              Key: { pk: 'ledger' },
              UpdateExpression:
                'SET entries = list_append(if_not_exists(entries, :none), :id) ADD balance :amount',
              ExpressionAttributeValues: { ':none': [], ':id': [entry.id], ':amount': entry.amount },
            },
            { position: entry.seq },
          ),
        );
        return 'applied';
      },
      { mode: 'effect-conditional', key: (entry) => entry.id, client },
    );
    expect(await apply({ id: 'e1', seq: 1, amount: 10 })).toBe('applied');
    expect(await apply({ id: 'e2', seq: 2, amount: 5 })).toBe('applied');
    expect(await apply({ id: 'e1', seq: 1, amount: 10 })).toBeUndefined();
    expect(await apply({ id: 'e2', seq: 2, amount: 5 })).toBeUndefined();
    expect(await read(table, 'ledger')).toMatchObject({
      entries: ['e1', 'e2'],
      balance: 15,
      idempotencyPosition: 2,
    });
  });

  it('other writes ride in one transaction with the guard: a duplicate cancels them all', async () => {
    const { client, requests, table } = await setup();
    const capture = makeIdempotent(
      async (order: Order, { transaction }) => {
        transaction.update(
          updateOncePerKey({
            TableName: table,
            Key: { pk: order.id },
            UpdateExpression: 'ADD captures :one',
            ExpressionAttributeValues: { ':one': 1 },
          }),
        );
        transaction.update({
          TableName: table,
          Key: { pk: 'total' },
          UpdateExpression: 'ADD amount :a',
          ExpressionAttributeValues: { ':a': order.amount },
        });
      },
      { mode: 'effect-conditional', key: (order) => order.id, client },
    );
    await capture({ id: 'o7', amount: 3 });
    await capture({ id: 'o7', amount: 3 });
    expect(requests.take()).toEqual(['TransactWriteItems', 'TransactWriteItems']);
    expect((await read(table, 'o7'))?.captures).toBe(1);
    expect((await read(table, 'total'))?.amount).toBe(3);
  });

  it('guards a lone plain update as updateOncePerKey, with the store client when no client is given', async () => {
    const { client, requests, table } = await setup();
    const capture = makeIdempotent(
      async (order: Order, { transaction }) => {
        transaction.update({
          TableName: table,
          Key: { pk: order.id },
          UpdateExpression: 'ADD captures :one',
          ExpressionAttributeValues: { ':one': 1 },
        });
      },
      {
        mode: 'effect-conditional',
        key: (order) => order.id,
        store: dynamoDBStore({ tableName: 'unused-by-this-mode', client }),
      },
    );
    await capture({ id: 'lone', amount: 1 });
    await capture({ id: 'lone', amount: 1 });
    expect(requests.take()).toEqual(['UpdateItem', 'UpdateItem']);
    expect((await read(table, 'lone'))?.captures).toBe(1);
  });

  it('refuses a call with no guard write, and a guard write outside effect-conditional mode', async () => {
    const { client, table } = await setup();
    const noGuard = makeIdempotent(
      async (_: Order, { transaction }) => transaction.put({ TableName: table, Item: { pk: 'x' } }),
      { mode: 'effect-conditional', key: (order) => order.id, client },
    );
    await expect(noGuard({ id: 'x', amount: 1 })).rejects.toThrow(
      /needs exactly one write made with putIfAbsent/,
    );
    const recordMode = makeIdempotent(
      async (_: Order, { transaction }) =>
        transaction.put(putIfAbsent({ TableName: table, Item: { pk: 'y' } })),
      {
        store: dynamoDBStore({ tableName: await createTable(dynamodb, 'effect-idem'), client }),
        key: (o) => o.id,
      },
    );
    await expect(recordMode({ id: 'y', amount: 1 })).rejects.toThrow(/only in mode 'effect-conditional'/);
  });

  it('in sqsBatch a repeat is acknowledged and counted as DuplicatesSuppressed', async () => {
    const { client, requests, table } = await setup();
    const sink = memorySink();
    const handler = sqsBatch<Order>(
      async ({ body }, { transaction }) => {
        transaction.put(putIfAbsent({ TableName: table, Item: { pk: body.id, amount: body.amount } }));
      },
      {
        idempotency: { mode: 'effect-conditional', key: (m) => m.body.id, client },
        metrics: createReliabilityMetrics({ sink }),
        logger: captureLogger().logger,
      },
    );
    const event = sqsEvent(sqsRecord('m1', { id: 'q1', amount: 2 }, { group: 'g' }));
    expect((await handler(event)).batchItemFailures).toEqual([]);
    expect((await handler(event)).batchItemFailures).toEqual([]);
    expect(requests.take()).toEqual(['PutItem', 'PutItem']);
    expect(sink.totals()).toMatchObject({ MessagesProcessed: 1, DuplicatesSuppressed: 1 });
  });
});
