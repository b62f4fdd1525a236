import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import {
  dynamoDBStore,
  type IdempotencyLambdaContext,
  idempotency,
  idempotencyTimeoutResponse,
} from '../../../lib/idempotency/index.ts';
import { localClientConfig } from '../../../lib/local/index.ts';
import { createTable, localClients } from '../../support/local.ts';

type Payment = { paymentId: string };
const { stack, dynamodb, documents } = localClients();

/** A Lambda context whose invocation ends `ms` from now. */
const endingIn = (ms: number) => {
  const deadline = Date.now() + ms;
  return { getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()) } as unknown as Context;
};

describe('the idempotency middleware under Middy early timeout', () => {
  it('a handler cut off by timeoutEarlyResponse commits none of its writes and keeps no result', async () => {
    const idempotencyTable = await createTable(dynamodb, 'idempotency');
    const ledger = await createTable(dynamodb, 'ledger');
    const client = new DynamoDBClient(localClientConfig(stack, stack.dynamodb.endpoint));
    const store = dynamoDBStore({ tableName: idempotencyTable, client });
    const read = async (TableName: string, pk: string) =>
      (await documents.send(new GetCommand({ TableName, Key: { pk }, ConsistentRead: true }))).Item;
    let slow = true;
    const handler = middy<Payment, unknown>({
      timeoutEarlyInMillis: 200,
      timeoutEarlyResponse: idempotencyTimeoutResponse(() => ({ statusCode: 504 })),
    })
      .use(
        idempotency({
          store,
          key: (event: Payment) => event.paymentId,
          scope: '',
          metrics: false,
        }),
      )
      .handler(async (event, context) => {
        const { transaction } = (context as IdempotencyLambdaContext).idempotency;
        transaction.put({ TableName: ledger, Item: { pk: `${event.paymentId}-1` } });
        if (slow) await new Promise((resolve) => setTimeout(resolve, 600));
        transaction.put({ TableName: ledger, Item: { pk: `${event.paymentId}-2` } });
        return { statusCode: 200 };
      });

    expect(await handler({ paymentId: 'p-1' }, endingIn(400))).toEqual({ statusCode: 504 });
    expect(await read(ledger, 'p-1-1')).toBeUndefined();
    expect(await read(idempotencyTable, 'p-1')).toBeUndefined();

    // The retry runs the call whole.
    slow = false;
    expect(await handler({ paymentId: 'p-1' }, endingIn(5_000))).toEqual({ statusCode: 200 });
    expect(await read(ledger, 'p-1-1')).toBeDefined();
    expect(await read(ledger, 'p-1-2')).toBeDefined();
    expect(JSON.parse(String((await read(idempotencyTable, 'p-1'))?.result))).toEqual({ statusCode: 200 });
  });

  it('a handler that returned in time is committed, however little time the later middlewares left', async () => {
    // Before the fix, `after` took "remaining ≤ timeoutEarlyInMillis" for a cut-off: it released the
    // key and committed nothing, but answered the handler's success — the payment was lost.
    const idempotencyTable = await createTable(dynamodb, 'idempotency');
    const ledger = await createTable(dynamodb, 'ledger');
    const client = new DynamoDBClient(localClientConfig(stack, stack.dynamodb.endpoint));
    const store = dynamoDBStore({ tableName: idempotencyTable, client });
    const context = endingIn(1_000);
    const handler = middy<Payment, unknown>({ timeoutEarlyInMillis: 200 })
      .use(idempotency({ store, key: (event: Payment) => event.paymentId, scope: '', metrics: false }))
      // Runs after the handler, before idempotency's `after` (Middy runs `after` in reverse order),
      // and uses the time that was left.
      .use({ after: async () => void (await new Promise((resolve) => setTimeout(resolve, 1_050))) })
      .handler(async (event, ctx) => {
        (ctx as IdempotencyLambdaContext).idempotency.transaction.put({
          TableName: ledger,
          Item: { pk: event.paymentId },
        });
        return { statusCode: 200 };
      });

    expect(await handler({ paymentId: 'p-2' }, context)).toEqual({ statusCode: 200 });
    expect(context.getRemainingTimeInMillis()).toBe(0);
    const read = async (TableName: string, pk: string) =>
      (await documents.send(new GetCommand({ TableName, Key: { pk }, ConsistentRead: true }))).Item;
    expect(await read(ledger, 'p-2')).toBeDefined();
    expect((await read(idempotencyTable, 'p-2'))?.status).toBe('COMPLETED');
  });
});
