import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { IdempotencyInProgressError } from '../../../lib/idempotency/errors.ts';
import { type IdempotencyLambdaContext, idempotency, memoryStore } from '../../../lib/idempotency/index.ts';

type Payment = { paymentId: string; amount: number };
const lambdaContext = () => ({ getRemainingTimeInMillis: () => 10_000 }) as unknown as Context;

describe('idempotency middleware', () => {
  it('runs the handler once per key and returns the stored result to duplicates', async () => {
    const body = vi.fn(async (event: Payment) => ({ paid: event.amount }));
    const handler = middy<Payment>()
      .use(idempotency({ store: memoryStore(), key: (event: Payment) => event.paymentId }))
      .handler(body);

    expect(await handler({ paymentId: 'p-1', amount: 5 }, lambdaContext())).toEqual({ paid: 5 });
    expect(await handler({ paymentId: 'p-1', amount: 5 }, lambdaContext())).toEqual({ paid: 5 });
    expect(body).toHaveBeenCalledTimes(1);
  });

  it('does not re-run the handler when the stored result is undefined', async () => {
    const body = vi.fn(async () => undefined);
    const handler = middy<Payment>()
      .use(idempotency({ store: memoryStore(), key: (event: Payment) => event.paymentId }))
      .handler(body);
    await handler({ paymentId: 'p-1', amount: 5 }, lambdaContext());
    expect(await handler({ paymentId: 'p-1', amount: 5 }, lambdaContext())).toBeUndefined();
    expect(body).toHaveBeenCalledTimes(1);
  });

  it('a rejected duplicate never releases the lease held by the first invocation', async () => {
    const store = memoryStore();
    let finish!: () => void;
    const handler = middy<Payment>()
      .use(idempotency({ store, key: (event: Payment) => event.paymentId }))
      .handler(() => new Promise((resolve) => (finish = () => resolve('first'))));

    const first = handler({ paymentId: 'p-1', amount: 5 }, lambdaContext());
    await vi.waitFor(() => expect(finish).toBeTypeOf('function'));
    await expect(handler({ paymentId: 'p-1', amount: 5 }, lambdaContext())).rejects.toBeInstanceOf(
      IdempotencyInProgressError,
    );
    expect(store.records.get('p-1')?.status).toBe('IN_PROGRESS');
    finish();
    expect(await first).toBe('first');
    expect(store.records.get('p-1')?.status).toBe('COMPLETED');
  });

  it('releases the key when the handler throws, so the retry runs', async () => {
    const store = memoryStore();
    let calls = 0;
    const handler = middy<Payment>()
      .use(idempotency({ store, key: (event: Payment) => event.paymentId }))
      .handler(async () => {
        if (++calls === 1) throw new Error('timeout talking to the bank');
        return 'paid';
      });
    await expect(handler({ paymentId: 'p-1', amount: 5 }, lambdaContext())).rejects.toThrow('bank');
    expect(await handler({ paymentId: 'p-1', amount: 5 }, lambdaContext())).toBe('paid');
  });

  it('gives the handler its transaction collector on the context', async () => {
    let seenKey = '';
    const handler = middy<Payment>()
      .use(idempotency({ store: memoryStore(), key: (event: Payment) => event.paymentId, scope: 'pay' }))
      .handler(async (_event, context) => {
        const { idempotency: ctx } = context as IdempotencyLambdaContext;
        seenKey = ctx.key;
        expect(ctx.transaction.writes).toEqual([]);
      });
    await handler({ paymentId: 'p-9', amount: 1 }, lambdaContext());
    expect(seenKey).toBe('pay#p-9');
  });
});
