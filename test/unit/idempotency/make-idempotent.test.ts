import { describe, expect, it, vi } from 'vitest';
import { ConfigurationError } from '../../../lib/errors.ts';
import {
  IdempotencyInProgressError,
  IdempotencyKeyError,
  IdempotencyPayloadMismatchError,
  IdempotencyResultTooLargeError,
  IdempotencyTransactionError,
} from '../../../lib/idempotency/errors.ts';
import { dynamoDBStore, makeIdempotent, memoryStore } from '../../../lib/idempotency/index.ts';
import { dynamoDBSequenceCounter, outbox } from '../../../lib/producer/index.ts';
import { dynamoDBSequenceStore } from '../../../lib/sqs/index.ts';

type Order = { id?: string; amount: number };
const key = (order: Order) => order.id;

/** A clock the test moves by hand. */
const clock = (start = Date.UTC(2026, 0, 1)) => {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
};

describe('makeIdempotent (exactly-once, the default)', () => {
  it('runs a key once and replays the stored result to duplicates', async () => {
    const body = vi.fn(async (order: Order) => ({ captured: order.amount }));
    const capture = makeIdempotent(body, { store: memoryStore(), key, scope: '' });

    expect(await capture({ id: 'o-1', amount: 42 })).toEqual({ captured: 42 });
    expect(await capture({ id: 'o-1', amount: 42 })).toEqual({ captured: 42 });
    expect(body).toHaveBeenCalledTimes(1);
  });

  it('replays an undefined result as undefined instead of running again', async () => {
    const body = vi.fn(async () => undefined);
    const notify = makeIdempotent(body, { store: memoryStore(), key });

    expect(await notify({ id: 'o-1', amount: 1 })).toBeUndefined();
    expect(await notify({ id: 'o-1', amount: 1 })).toBeUndefined();
    expect(body).toHaveBeenCalledTimes(1);
  });

  it('releases the key when the function throws, so the retry runs', async () => {
    const store = memoryStore();
    let calls = 0;
    const flaky = makeIdempotent(
      async () => {
        calls++;
        if (calls === 1) throw new Error('downstream unavailable');
        return 'ok';
      },
      { store, key },
    );

    await expect(flaky({ id: 'o-1', amount: 1 })).rejects.toThrow('downstream unavailable');
    expect(store.records.size).toBe(0);
    expect(await flaky({ id: 'o-1', amount: 1 })).toBe('ok');
    expect(calls).toBe(2);
  });

  it('rejects a second call while the first holds the lease', async () => {
    let finish!: () => void;
    const slow = makeIdempotent(() => new Promise<string>((resolve) => (finish = () => resolve('done'))), {
      store: memoryStore(),
      key,
    });
    const first = slow({ id: 'o-1', amount: 1 });
    await vi.waitFor(() => expect(finish).toBeTypeOf('function'));

    const second = await slow({ id: 'o-1', amount: 1 }).catch((e: unknown) => e);
    expect(second).toBeInstanceOf(IdempotencyInProgressError);
    expect((second as IdempotencyInProgressError).retryable).toBe(true);
    expect((second as IdempotencyInProgressError).existing.status).toBe('IN_PROGRESS');
    finish();
    expect(await first).toBe('done');
  });

  it('rejects the same key with a different fingerprint, naming both', async () => {
    const capture = makeIdempotent(async (order: Order) => order.amount, {
      store: memoryStore(),
      key,
      fingerprint: (order) => ({ amount: order.amount }),
    });
    await capture({ id: 'o-1', amount: 42 });

    const error = await capture({ id: 'o-1', amount: 43 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IdempotencyPayloadMismatchError);
    expect((error as IdempotencyPayloadMismatchError).existing.fingerprint).not.toBe(
      (error as IdempotencyPayloadMismatchError).fingerprint,
    );
    expect(await capture({ id: 'o-1', amount: 42 })).toBe(42);
  });

  it('runs again once the record expired', async () => {
    const time = clock();
    const body = vi.fn(async () => 'ran');
    const fn = makeIdempotent(body, { store: memoryStore(), key, expiresAfterMs: 60_000, now: time.now });
    await fn({ id: 'o-1', amount: 1 });
    time.advance(59_000);
    await fn({ id: 'o-1', amount: 1 });
    expect(body).toHaveBeenCalledTimes(1);
    time.advance(2_000);
    await fn({ id: 'o-1', amount: 1 });
    expect(body).toHaveBeenCalledTimes(2);
  });

  it('takes over a lease that lapsed (the holder crashed)', async () => {
    const time = clock();
    const store = memoryStore();
    const crashed = makeIdempotent(() => new Promise<never>(() => {}), {
      store,
      key,
      leaseWithoutContextMs: 5_000,
      now: time.now,
    });
    void crashed({ id: 'o-1', amount: 1 });
    await vi.waitFor(() => expect(store.records.size).toBe(1));

    const retry = makeIdempotent(async () => 'recovered', { store, key, now: time.now });
    await expect(retry({ id: 'o-1', amount: 1 })).rejects.toBeInstanceOf(IdempotencyInProgressError);
    time.advance(5_001);
    expect(await retry({ id: 'o-1', amount: 1 })).toBe('recovered');
  });

  it('derives the lease from the Lambda context: remaining time plus the margin', async () => {
    const time = clock();
    const store = memoryStore();
    const fn = makeIdempotent(async () => 'x', { store, key, leaseMarginMs: 1_000, now: time.now });
    const slowFn = makeIdempotent(() => new Promise(() => {}), {
      store,
      key,
      leaseMarginMs: 1_000,
      now: time.now,
    });

    void slowFn({ id: 'o-1', amount: 1 }, { getRemainingTimeInMillis: () => 7_000 } as never);
    await vi.waitFor(() => expect(store.records.get('o-1')?.leaseExpiresAt).toBe(time.now() + 8_000));
    await fn({ id: 'o-2', amount: 1 });
    expect(store.records.get('o-2')?.status).toBe('COMPLETED');
  });

  it('a missing key throws IdempotencyKeyError unless the caller opts out', async () => {
    const body = vi.fn(async () => 'ran');
    await expect(makeIdempotent(body, { store: memoryStore(), key })({ amount: 1 })).rejects.toBeInstanceOf(
      IdempotencyKeyError,
    );
    expect(body).not.toHaveBeenCalled();

    const lenient = makeIdempotent(body, { store: memoryStore(), key, onMissingKey: 'run' });
    await lenient({ amount: 1 });
    await lenient({ amount: 1 });
    expect(body).toHaveBeenCalledTimes(2);
  });

  it('a result too large for an item fails clearly, names the option, and releases the key', async () => {
    const store = memoryStore();
    const big = makeIdempotent(async () => 'x'.repeat(500_000), { store, key });
    const error = await big({ id: 'o-1', amount: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IdempotencyResultTooLargeError);
    expect((error as Error).message).toContain('storeResult: false');
    expect(store.records.size).toBe(0);

    const unstored = makeIdempotent(async () => 'x'.repeat(500_000), { store, key, storeResult: false });
    expect(await unstored({ id: 'o-1', amount: 1 })).toHaveLength(500_000);
    expect(await unstored({ id: 'o-1', amount: 1 })).toBeUndefined();
  });

  it('prefixes keys with the scope so functions sharing a table never collide', async () => {
    const store = memoryStore();
    await makeIdempotent(async () => 'a', { store, key, scope: 'capture-payment' })({ id: 'o-1', amount: 1 });
    expect([...store.records.keys()]).toEqual(['capture-payment#o-1']);
  });

  it('memoryStore refuses transaction writes instead of pretending to commit them', async () => {
    const fn = makeIdempotent(
      async (_: Order, { transaction }) => transaction.put({ TableName: 't', Item: { pk: 'x' } }),
      { store: memoryStore(), key },
    );
    await expect(fn({ id: 'o-1', amount: 1 })).rejects.toBeInstanceOf(IdempotencyTransactionError);
  });

  it('the local cache answers warm repeats without asking the store', async () => {
    const store = memoryStore();
    const claim = vi.spyOn(store, 'claim');
    const fn = makeIdempotent(async () => 'r', { store, key, localCacheSize: 2 });
    await fn({ id: 'a', amount: 1 });
    await fn({ id: 'a', amount: 1 });
    await fn({ id: 'a', amount: 1 });
    expect(claim).toHaveBeenCalledTimes(1);
  });
});

describe('makeIdempotent (at-most-once)', () => {
  it('never runs a key again, even after an error', async () => {
    const body = vi.fn(async () => {
      throw new Error('card declined');
    });
    const charge = makeIdempotent(body, { store: memoryStore(), key, mode: 'at-most-once' });
    await expect(charge({ id: 'o-1', amount: 1 })).rejects.toThrow('card declined');
    expect(await charge({ id: 'o-1', amount: 1 })).toBeUndefined();
    expect(body).toHaveBeenCalledTimes(1);
  });
});

describe('makeIdempotent (at-least-once)', () => {
  it('keeps no record and runs every delivery', async () => {
    const store = memoryStore();
    const body = vi.fn(async () => 'ran');
    const fn = makeIdempotent(body, { store, key, mode: 'at-least-once' });
    await fn({ id: 'o-1', amount: 1 });
    await fn({ id: 'o-1', amount: 1 });
    expect(body).toHaveBeenCalledTimes(2);
    expect(store.records.size).toBe(0);
  });
});

describe('DynamoDB-backed factories', () => {
  it.each([
    ['dynamoDBStore', () => dynamoDBStore({} as never)],
    ['dynamoDBSequenceStore', () => dynamoDBSequenceStore({ tableName: '' })],
    ['dynamoDBSequenceCounter', () => dynamoDBSequenceCounter({} as never)],
    ['outbox', () => outbox({} as never)],
  ])('%s rejects a missing tableName, naming itself', (factory, build) => {
    expect(build).toThrow(ConfigurationError);
    expect(build).toThrow(new RegExp(`^${factory}: \`tableName\` must be a non-empty string, received`));
  });
});

describe('options', () => {
  it.each([
    [{ key }, /`store` must be an IdempotencyStore/],
    [{ store: memoryStore() }, /`key` must be a function/],
    [
      { store: memoryStore(), key, mode: 'once' },
      /`mode` must be 'exactly-once' \| 'at-least-once' \| 'at-most-once' \| 'effect-conditional', received "once"/,
    ],
    [
      { store: memoryStore(), key, mode: 'at-most-once', optimistic: true },
      /`optimistic` must be used only with mode 'exactly-once'/,
    ],
    [{ store: memoryStore(), key, expiresAfterMs: 0 }, /`expiresAfterMs` must be a positive number/],
    [{ store: memoryStore(), key, localCacheSize: -1 }, /`localCacheSize` must be an integer/],
  ])('rejects %o at construction', (options, message) => {
    expect(() => makeIdempotent(async () => 1, options as never)).toThrow(ConfigurationError);
    expect(() => makeIdempotent(async () => 1, options as never)).toThrow(message);
  });
});
