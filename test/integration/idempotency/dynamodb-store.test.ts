import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { IdempotencyInProgressError, IdempotencyLeaseLostError } from '../../../lib/idempotency/errors.ts';
import { dynamoDBStore, makeIdempotent } from '../../../lib/idempotency/index.ts';
import { localClientConfig } from '../../../lib/local/index.ts';
import { createTable, localClients } from '../../support/local.ts';
import { countRequests } from '../../support/request-counter.ts';

type Order = { id: string; amount: number };
const key = (order: Order) => order.id;
const { stack, dynamodb, documents } = localClients();

const setup = async () => {
  const idempotencyTable = await createTable(dynamodb, 'idempotency');
  const ledgerTable = await createTable(dynamodb, 'ledger');
  const client = new DynamoDBClient(localClientConfig(stack, stack.dynamodb.endpoint));
  const store = dynamoDBStore({ tableName: idempotencyTable, client });
  const ledger = async (pk: string) =>
    (await documents.send(new GetCommand({ TableName: ledgerTable, Key: { pk } }))).Item;
  const record = async (pk: string) =>
    (await documents.send(new GetCommand({ TableName: idempotencyTable, Key: { pk }, ConsistentRead: true })))
      .Item;
  return { idempotencyTable, ledgerTable, client, store, ledger, record };
};

const gate = () => {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
};

describe('dynamoDBStore on DynamoDB Local', () => {
  it('20 concurrent calls with one key run the body exactly once', async () => {
    const { store } = await setup();
    let runs = 0;
    const capture = makeIdempotent(
      async (order: Order) => {
        runs++;
        await new Promise((resolve) => setTimeout(resolve, 100));
        return { captured: order.amount };
      },
      { store, key },
    );

    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, () => capture({ id: 'o-1', amount: 42 })),
    );

    expect(runs).toBe(1);
    for (const outcome of outcomes) {
      if (outcome.status === 'fulfilled') expect(outcome.value).toEqual({ captured: 42 });
      else expect(outcome.reason).toBeInstanceOf(IdempotencyInProgressError);
    }
    expect(outcomes.filter((o) => o.status === 'fulfilled').length).toBeGreaterThanOrEqual(1);
    expect(await capture({ id: 'o-1', amount: 42 })).toEqual({ captured: 42 });
    expect(runs).toBe(1);
  });

  it('lease takeover: a late completion is rejected and none of its transaction writes apply', async () => {
    const { store, ledgerTable, ledger, record } = await setup();
    let t = Date.now();
    const now = () => t;
    const stallA = gate();
    const aRegistered = gate();

    const invocationA = makeIdempotent(
      async (order: Order, { transaction }) => {
        transaction.put({ TableName: ledgerTable, Item: { pk: `${order.id}#A`, amount: order.amount } });
        aRegistered.open();
        await stallA.opened;
        return 'A';
      },
      { store, key, leaseWithoutContextMs: 5_000, now },
    );
    const invocationB = makeIdempotent(
      async (order: Order, { transaction }) => {
        transaction.put({ TableName: ledgerTable, Item: { pk: `${order.id}#B`, amount: order.amount } });
        return 'B';
      },
      { store, key, leaseWithoutContextMs: 5_000, now },
    );

    const a = invocationA({ id: 'o-1', amount: 10 });
    await aRegistered.opened;
    await expect(invocationB({ id: 'o-1', amount: 10 })).rejects.toBeInstanceOf(IdempotencyInProgressError);

    t += 6_000; // A stalls past its lease
    expect(await invocationB({ id: 'o-1', amount: 10 })).toBe('B');
    stallA.open();
    const lateA = await a.catch((e: unknown) => e);

    expect(lateA).toBeInstanceOf(IdempotencyLeaseLostError);
    expect((lateA as IdempotencyLeaseLostError).existing?.status).toBe('COMPLETED');
    expect(await ledger('o-1#A')).toBeUndefined();
    expect(await ledger('o-1#B')).toEqual({ pk: 'o-1#B', amount: 10 });
    expect(await record('o-1')).toMatchObject({ status: 'COMPLETED', result: '"B"' });
    expect(await invocationA({ id: 'o-1', amount: 10 })).toBe('B');
  });

  it('the effects and the record commit together: a failing write leaves neither and the retry runs', async () => {
    const { store, ledgerTable, ledger, record } = await setup();
    await documents.send(new PutCommand({ TableName: ledgerTable, Item: { pk: 'balance', cents: 0 } }));
    let attempt = 0;
    const credit = makeIdempotent(
      async (order: Order, { transaction }) => {
        attempt++;
        transaction.update({
          TableName: ledgerTable,
          Key: { pk: 'balance' },
          UpdateExpression: 'SET cents = cents + :amount',
          // The first attempt carries a condition that fails, like a concurrent writer would cause.
          ConditionExpression: attempt === 1 ? 'cents > :amount' : 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':amount': order.amount },
        });
        transaction.put({ TableName: ledgerTable, Item: { pk: `entry#${order.id}`, cents: order.amount } });
        return { credited: order.amount };
      },
      { store, key },
    );

    await expect(credit({ id: 'o-7', amount: 250 })).rejects.toThrow(/Transaction cancelled/i);
    expect(await record('o-7')).toBeUndefined();
    expect(await ledger('entry#o-7')).toBeUndefined();
    expect((await ledger('balance'))?.cents).toBe(0);

    expect(await credit({ id: 'o-7', amount: 250 })).toEqual({ credited: 250 });
    expect(await credit({ id: 'o-7', amount: 250 })).toEqual({ credited: 250 });
    expect((await ledger('balance'))?.cents).toBe(250);
    expect(attempt).toBe(2);
  });

  it('costs 2 requests on a first delivery with a lease, 1 per duplicate, 1 optimistic', async () => {
    const { store, client, ledgerTable } = await setup();
    const requests = countRequests(client);
    const write = async (order: Order, { transaction }: { transaction: { put: (p: never) => void } }) => {
      transaction.put({ TableName: ledgerTable, Item: { pk: order.id } } as never);
      return order.amount;
    };

    const leased = makeIdempotent(write, { store, key });
    await leased({ id: 'lease-1', amount: 1 });
    expect(requests.take()).toEqual(['PutItem', 'TransactWriteItems']);
    await leased({ id: 'lease-1', amount: 1 });
    expect(requests.take()).toEqual(['PutItem']);

    const optimistic = makeIdempotent(write, { store, key, optimistic: true });
    await optimistic({ id: 'opt-1', amount: 1 });
    expect(requests.take()).toEqual(['TransactWriteItems']);
    expect(await optimistic({ id: 'opt-1', amount: 1 })).toBe(1);
    expect(requests.take()).toEqual(['TransactWriteItems']);

    const plain = makeIdempotent(async () => 'no writes', { store, key });
    await plain({ id: 'plain-1', amount: 1 });
    expect(requests.take()).toEqual(['PutItem', 'PutItem']);
  });

  it('optimistic mode: concurrent duplicates commit once and the losers get the winner’s result', async () => {
    const { store, ledgerTable } = await setup();
    let runs = 0;
    const pay = makeIdempotent(
      async (order: Order, { transaction }) => {
        runs++;
        transaction.update({
          TableName: ledgerTable,
          Key: { pk: 'total' },
          UpdateExpression: 'ADD cents :amount',
          ExpressionAttributeValues: { ':amount': order.amount },
        });
        return `run-${runs}`;
      },
      { store, key, optimistic: true },
    );

    const results = await Promise.allSettled(Array.from({ length: 10 }, () => pay({ id: 'o-1', amount: 5 })));
    const values = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const total = await documents.send(new GetCommand({ TableName: ledgerTable, Key: { pk: 'total' } }));

    expect(total.Item?.cents).toBe(5);
    expect(new Set(values).size).toBe(1);
    for (const r of results)
      if (r.status === 'rejected') expect(r.reason.name).toMatch(/TransactionCanceled|InProgress/);
  });

  it('an expired record is claimable again, though TTL has not deleted it', async () => {
    const { store, record } = await setup();
    let t = Date.now();
    let runs = 0;
    const fn = makeIdempotent(async () => ++runs, { store, key, expiresAfterMs: 1_000, now: () => t });
    await fn({ id: 'o-1', amount: 1 });
    t += 2_000;
    expect(await record('o-1')).toBeDefined();
    expect(await fn({ id: 'o-1', amount: 1 })).toBe(2);
  });

  it('at-most-once on DynamoDB: a failed call is never retried', async () => {
    const { store } = await setup();
    let runs = 0;
    const fn = makeIdempotent(
      async () => {
        runs++;
        throw new Error('boom');
      },
      { store, key, mode: 'at-most-once' },
    );
    await expect(fn({ id: 'o-1', amount: 1 })).rejects.toThrow('boom');
    await expect(fn({ id: 'o-1', amount: 1 })).resolves.toBeUndefined();
    expect(runs).toBe(1);
  });
});
