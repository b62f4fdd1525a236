// record: 'group-window' on DynamoDB Local: the window's bounds (age, count, 1 KB), resends, late
// commits and two invocations of one group racing.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { sizeOf } from '../../../lib/idempotency/item-size.ts';
import { localClientConfig } from '../../../lib/local/index.ts';
import { createReliabilityMetrics, memorySink } from '../../../lib/metrics/index.ts';
import { sqsBatch } from '../../../lib/sqs/index.ts';
import { createTable, localClients } from '../../support/local.ts';
import { captureLogger, failedIds, lambdaContext, sqsEvent, sqsRecord } from '../../support/sqs-events.ts';

const { stack, dynamodb, documents } = localClients();
type Order = { id: string; group?: string };

const consumer = async (
  options: { expiresAfterMs?: number; windowKeys?: number; onRun?: (id: string) => unknown } = {},
) => {
  const client = new DynamoDBClient(localClientConfig(stack, stack.dynamodb.endpoint));
  const fence = await createTable(dynamodb, 'window-fence');
  const payments = await createTable(dynamodb, 'window-pay');
  const sink = memorySink();
  const logs = captureLogger();
  let clock = Date.now();
  const handler = sqsBatch<Order>(
    async ({ body }, { transaction }) => {
      await options.onRun?.(body.id);
      // Any effect: two items per message (the payment and the customer's ledger line).
      transaction.update({
        TableName: payments,
        Key: { pk: body.id },
        UpdateExpression: 'ADD captures :one',
        ExpressionAttributeValues: { ':one': 1 },
      });
      transaction.put({ TableName: payments, Item: { pk: `ledger#${body.id}`, at: clock } });
    },
    {
      fence: { tableName: fence },
      idempotency: {
        client,
        key: (m) => m.body.id,
        record: 'group-window',
        now: () => clock,
        ...(options.expiresAfterMs && { expiresAfterMs: options.expiresAfterMs }),
        ...(options.windowKeys && { windowKeys: options.windowKeys }),
      },
      metrics: createReliabilityMetrics({ sink }),
      logger: logs.logger,
    },
  );
  const captures = async (id: string) =>
    Number(
      (await documents.send(new GetCommand({ TableName: payments, Key: { pk: id }, ConsistentRead: true })))
        .Item?.captures ?? 0,
    );
  const fenceItem = async (group = 'g') =>
    (
      await documents.send(
        new GetCommand({ TableName: fence, Key: { pk: `fence#orders.fifo#${group}` }, ConsistentRead: true }),
      )
    ).Item;
  let n = 0;
  const message = (id: string, group = 'g') => sqsRecord(`m-${id}-${++n}`, { id }, { group });
  const invoke = async (...records: SQSRecord[]) =>
    failedIds(await handler(sqsEvent(...records), lambdaContext()));
  return {
    invoke,
    message,
    captures,
    fenceItem,
    fence,
    totals: () => sink.totals(),
    logs,
    tick: (ms: number) => {
      clock += ms;
    },
  };
};

describe("record 'group-window' on DynamoDB Local", () => {
  it('resends across invocations are duplicates; the fence item stays within 1 KB after 300 keys', async () => {
    const k = await consumer();
    for (let batch = 0; batch < 30; batch++) {
      const records = Array.from({ length: 10 }, (_, i) => k.message(`o${batch * 10 + i}`));
      // Each batch resends the last order of the batch before it, under a new message id.
      if (batch > 0) records.splice(3, 0, k.message(`o${batch * 10 - 1}`));
      expect(await k.invoke(...records)).toEqual([]);
    }
    for (const id of ['o0', 'o9', 'o150', 'o299']) expect(await k.captures(id)).toBe(1);
    expect(k.totals()).toMatchObject({ MessagesProcessed: 300, DuplicatesSuppressed: 29 });
    const item = await k.fenceItem();
    expect(sizeOf(item)).toBeLessThanOrEqual(1024);
  });

  it('a key older than the window (expiresAfterMs) is applied again; within it, a duplicate', async () => {
    const k = await consumer({ expiresAfterMs: 60_000 });
    expect(await k.invoke(k.message('a'))).toEqual([]);
    k.tick(30_000);
    expect(await k.invoke(k.message('a'), k.message('b'))).toEqual([]);
    expect(await k.captures('a')).toBe(1);
    // Past the age and the one-second bucket it was added in.
    k.tick(32_000);
    expect(await k.invoke(k.message('a'))).toEqual([]);
    expect(await k.captures('a')).toBe(2);
  });

  it('a key pushed out by windowKeys newer keys is applied again; a key still in it is a duplicate', async () => {
    const k = await consumer({ windowKeys: 2 });
    expect(await k.invoke(k.message('a'), k.message('b'), k.message('c'))).toEqual([]);
    expect(await k.invoke(k.message('c'))).toEqual([]);
    expect(await k.captures('c')).toBe(1);
    expect(await k.invoke(k.message('a'))).toEqual([]);
    expect(await k.captures('a')).toBe(2);
  });

  it('windows are per group: a key resent in another group, by another invocation, is applied there too (a documented limit)', async () => {
    const k = await consumer();
    expect(await k.invoke(k.message('a', 'g'))).toEqual([]);
    expect(await k.invoke(k.message('a', 'h'))).toEqual([]);
    expect(await k.captures('a')).toBe(2);
  });

  it('a late redelivery of an applied message (its key in the window, the fence past it) is a duplicate, not fenced', async () => {
    const k = await consumer();
    const o1 = k.message('o1');
    expect(await k.invoke(o1, k.message('o2'))).toEqual([]);
    expect(await k.invoke(o1)).toEqual([]);
    expect(await k.captures('o1')).toBe(1);
    expect(k.totals()).toMatchObject({ MessagesProcessed: 2, DuplicatesSuppressed: 1 });
  });

  it('two invocations of one group racing: the one whose window moved on goes again on the new window, nothing twice', async () => {
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started = () => {};
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    const k = await consumer({
      onRun: (id) => {
        if (id !== 'b') return undefined;
        started();
        return gate;
      },
    });
    const a = k.message('a');
    const b = k.message('b');
    const resend = k.message('a');
    // B read the empty window and holds b (and the resend of a) while A commits a.
    const late = k.invoke(b, resend);
    await running;
    expect(await k.invoke(a)).toEqual([]);
    release();
    expect(await late).toEqual([]);
    expect([await k.captures('a'), await k.captures('b')]).toEqual([1, 1]);
    expect(k.totals()).toMatchObject({ MessagesProcessed: 2, DuplicatesSuppressed: 1 });
  });

  it('a group whose fence item a record-per-key consumer wrote (no window yet): the window starts on it', async () => {
    const k = await consumer();
    await documents.send(
      new PutCommand({
        TableName: k.fence,
        Item: { pk: 'fence#orders.fifo#g', fenceSequence: '0'.repeat(40), expiresAt: 2_000_000_000 },
      }),
    );
    expect(await k.invoke(k.message('a'))).toEqual([]);
    expect(await k.invoke(k.message('a'))).toEqual([]);
    expect(await k.captures('a')).toBe(1);
  });
});
