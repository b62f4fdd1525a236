import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { dynamoDBStore, putIfAbsent } from '../../../lib/idempotency/index.ts';
import { localClientConfig } from '../../../lib/local/index.ts';
import { createReliabilityMetrics, memorySink } from '../../../lib/metrics/index.ts';
import { sqsBatch } from '../../../lib/sqs/index.ts';
import { createTable, localClients } from '../../support/local.ts';
import { countRequests } from '../../support/request-counter.ts';
import { captureLogger, lambdaContext, sqsEvent, sqsRecord } from '../../support/sqs-events.ts';

const { stack, dynamodb, documents } = localClients();

type Order = { id: string; customer: string; writes?: number; failIf?: boolean; poison?: boolean };

/** A batch of one FIFO group, as SQS fills it: `orders` in order. */
const groupBatch = (orders: Order[], group = 'customer-1') =>
  sqsEvent(...orders.map((order, n) => sqsRecord(`m${n + 1}-${order.id}`, order, { group })));

const setup = async (
  options: { effectConditional?: boolean; timeLeft?: () => number; onRun?: (id: string) => void } = {},
) => {
  const idempotencyTable = await createTable(dynamodb, 'gc-idem');
  const payments = await createTable(dynamodb, 'gc-pay');
  const ledger = await createTable(dynamodb, 'gc-ledger');
  const client = new DynamoDBClient(localClientConfig(stack, stack.dynamodb.endpoint));
  const requests = countRequests(client);
  const sink = memorySink();
  const logs = captureLogger();
  const runs: string[] = [];
  const handler = sqsBatch<Order>(
    async ({ body }, { transaction }) => {
      runs.push(body.id);
      options.onRun?.(body.id);
      const condition = body.failIf ? { ConditionExpression: 'attribute_exists(pk)' } : {};
      if (options.effectConditional)
        transaction.put(
          putIfAbsent({ TableName: payments, Item: { pk: body.id, customer: body.customer }, ...condition }),
          { onConditionFailure: body.poison ? 'dead-letter' : 'retry' },
        );
      else
        transaction.update(
          {
            TableName: payments,
            Key: { pk: body.id },
            UpdateExpression: 'SET customer = :c',
            ExpressionAttributeValues: { ':c': body.customer },
            ...condition,
          },
          { onConditionFailure: body.poison ? 'dead-letter' : 'retry' },
        );
      for (let w = 1; w < (body.writes ?? 1); w++)
        transaction.update({
          TableName: payments,
          Key: { pk: `${body.id}#${w}` },
          UpdateExpression: 'SET w = :w',
          ExpressionAttributeValues: { ':w': w },
        });
      return { paid: body.id };
    },
    {
      idempotency: options.effectConditional
        ? { mode: 'effect-conditional', key: (m) => m.body.id, client }
        : { store: dynamoDBStore({ tableName: idempotencyTable, client }), key: (m) => m.body.id },
      groupCommit: true,
      metrics: createReliabilityMetrics({ sink }),
      logger: logs.logger,
    },
  );
  const exists = async (pk: string) =>
    (await documents.send(new GetCommand({ TableName: payments, Key: { pk } }))).Item !== undefined;
  const invoke = (orders: Order[]) => handler(groupBatch(orders), lambdaContext(options.timeLeft));
  return { client, requests, sink, logs, runs, handler, invoke, exists, payments, ledger, idempotencyTable };
};

const ids = (response: { batchItemFailures: { itemIdentifier: string }[] }) =>
  response.batchItemFailures.map((failure) => failure.itemIdentifier);

describe('group commit (sqsBatch groupCommit: true) on DynamoDB Local', () => {
  it('commits a group run of 7 records in one TransactWriteItems', async () => {
    const { requests, invoke, exists, sink } = await setup();
    const orders = Array.from({ length: 7 }, (_, n) => ({ id: `o${n}`, customer: 'c' }));
    expect(ids(await invoke(orders))).toEqual([]);
    expect(requests.take()).toEqual(['TransactWriteItems']);
    for (const order of orders) expect(await exists(order.id)).toBe(true);
    expect(sink.totals().MessagesProcessed).toBe(7);
  });

  it('a duplicate inside the run is dropped before the write: its handler does not run', async () => {
    const { requests, invoke, runs, sink } = await setup();
    const response = await invoke([
      { id: 'a', customer: 'c' },
      { id: 'b', customer: 'c' },
      { id: 'a', customer: 'c' },
    ]);
    expect(ids(response)).toEqual([]);
    expect(runs).toEqual(['a', 'b']);
    expect(requests.take()).toEqual(['TransactWriteItems']);
    expect(sink.totals()).toMatchObject({ MessagesProcessed: 2, DuplicatesSuppressed: 1 });
  });

  it('a record completed by an earlier delivery is a duplicate; the rest of its chunk commits', async () => {
    const { invoke, exists, requests, sink } = await setup();
    await invoke([{ id: 'b', customer: 'c' }]);
    requests.take();
    const response = await invoke([
      { id: 'a', customer: 'c' },
      { id: 'b', customer: 'c' },
      { id: 'c', customer: 'c' },
    ]);
    expect(ids(response)).toEqual([]);
    // The first transaction is cancelled by b's record; the second commits a and c.
    expect(requests.take()).toEqual(['TransactWriteItems', 'TransactWriteItems']);
    expect((await exists('a')) && (await exists('c'))).toBe(true);
    expect(sink.totals()).toMatchObject({ MessagesProcessed: 3, DuplicatesSuppressed: 1 });
  });

  it('a condition failure in record 3 of 7: 1-2 commit, 3 fails alone, 4-7 are skipped and nothing of them lands', async () => {
    const { invoke, exists } = await setup();
    const orders = Array.from({ length: 7 }, (_, n) => ({ id: `o${n + 1}`, customer: 'c', failIf: n === 2 }));
    const response = await invoke(orders);
    expect(ids(response)).toEqual(orders.slice(2).map((o, n) => `m${n + 3}-${o.id}`));
    expect([await exists('o1'), await exists('o2')]).toEqual([true, true]);
    for (const order of orders.slice(2)) expect(await exists(order.id)).toBe(false);
  });

  it.each([
    ['record', false],
    ['effect-conditional', true],
  ])(
    '%s mode: a failed condition registered as poison fails record 3 alone as WriteConditionFailedError',
    async (_, effectConditional) => {
      const { invoke, exists, logs } = await setup({ effectConditional });
      const orders = Array.from({ length: 4 }, (_, n) => ({
        id: `p${n + 1}`,
        customer: 'c',
        failIf: n === 2,
        poison: n === 2,
      }));
      const response = await invoke(orders);
      // No dead-letter queue here: the poison is reported for the queue's redrive policy.
      expect(ids(response)).toEqual(['m3-p3', 'm4-p4']);
      expect([await exists('p1'), await exists('p2'), await exists('p3')]).toEqual([true, true, false]);
      expect(JSON.stringify(logs.lines)).toContain('WriteConditionFailedError');
    },
  );

  it('two records writing one item: the pending chunk is flushed and the second runs again on committed state', async () => {
    const { client, runs, ledger, requests } = await setup();
    const seen: number[] = [];
    const reader = DynamoDBDocumentClient.from(client);
    const handler = sqsBatch<Order>(
      async ({ body }, { transaction }) => {
        runs.push(body.id);
        const { Item } = await reader.send(new GetCommand({ TableName: ledger, Key: { pk: body.customer } }));
        const balance = (Item?.balance as number | undefined) ?? 0;
        seen.push(balance);
        transaction.put({ TableName: ledger, Item: { pk: body.customer, balance: balance + 1 } });
      },
      {
        idempotency: {
          store: dynamoDBStore({ tableName: await createTable(dynamodb, 'gc-idem2'), client }),
          key: (m) => m.body.id,
        },
        groupCommit: true,
        metrics: false,
        logger: captureLogger().logger,
      },
    );
    requests.take();
    const response = await handler(
      groupBatch([
        { id: 'x', customer: 'k' },
        { id: 'y', customer: 'k' },
        { id: 'z', customer: 'k' },
      ]),
    );
    expect(ids(response)).toEqual([]);
    expect(runs).toEqual(['x', 'y', 'y', 'z', 'z']);
    expect(seen).toEqual([0, 0, 1, 1, 2]);
    const { Item } = await documents.send(new GetCommand({ TableName: ledger, Key: { pk: 'k' } }));
    expect(Item?.balance).toBe(3);
    expect(requests.take().filter((op) => op === 'TransactWriteItems')).toHaveLength(3);
  });

  it('splits a run over 100 actions into transactions of at most 100', async () => {
    const { invoke, requests, exists } = await setup();
    // 8 records of 1 record put + 20 writes = 168 actions: 4 records (84 actions) per transaction.
    const orders = Array.from({ length: 8 }, (_, n) => ({ id: `big${n}`, customer: 'c', writes: 20 }));
    expect(ids(await invoke(orders))).toEqual([]);
    expect(requests.take()).toEqual(['TransactWriteItems', 'TransactWriteItems']);
    for (const order of orders) expect(await exists(`${order.id}#19`)).toBe(true);
  });

  it('a time-guard stop mid-group commits what ran and reports the rest, none of it written', async () => {
    let left = 60_000;
    const { invoke, exists, runs } = await setup({
      timeLeft: () => left,
      onRun: (id) => {
        if (id === 't3') left = 1_000;
      },
    });
    const orders = Array.from({ length: 6 }, (_, n) => ({ id: `t${n + 1}`, customer: 'c' }));
    const response = await invoke(orders);
    expect(runs).toEqual(['t1', 't2', 't3']);
    expect(ids(response)).toEqual(['m4-t4', 'm5-t5', 'm6-t6']);
    expect([await exists('t1'), await exists('t2'), await exists('t3'), await exists('t4')]).toEqual([
      true,
      true,
      true,
      false,
    ]);
  });
});
