import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { LRUCache } from 'lru-cache';
import {
  IdempotencyInProgressError,
  IdempotencyKeyError,
  IdempotencyLeaseLostError,
  IdempotencyPayloadMismatchError,
  IdempotencyResultTooLargeError,
} from './errors.ts';
import { fingerprintOf } from './fingerprint.ts';
import { resolveOptions } from './options.ts';
import { createTransactionCollector, type TransactWrite } from './transaction.ts';
import type {
  CompleteExpectation,
  IdempotencyOptions,
  IdempotencyRecord,
  IdempotentContext,
} from './types.ts';

/** A call that must run: report its outcome with `succeed` or `fail`. */
export type IdempotencySession<Result> = {
  context: IdempotentContext;
  /** Records the result (and commits the transaction); returns what the caller should get. */
  succeed(result: Result): Promise<Result>;
  /** Releases the claim where the mode retries on error. Never throws. */
  fail(error: unknown): Promise<void>;
  /**
   * True once `succeed` found the key completed by another call (the optimistic commit): the
   * caller got that call's stored result, and this call's writes were rolled back. A duplicate.
   */
  readonly replayed?: boolean;
};

export type BeginOutcome<Result> =
  | { run: true; session: IdempotencySession<Result> }
  | { run: false; result: Result; record: IdempotencyRecord };

export type IdempotencyEngine<Input, Result> = {
  begin(input: Input, lambdaContext?: Context): Promise<BeginOutcome<Result>>;
};

// DynamoDB items are at most 400 KB, attribute names included; leave room for the other attributes.
// https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html
const MAX_RESULT_BYTES = 400 * 1024 - 2048;
// Partition keys are at most 2048 bytes.
const MAX_KEY_BYTES = 2048;

const replayOf = <Result>(record: IdempotencyRecord): Result =>
  (record.result === undefined ? undefined : JSON.parse(record.result)) as Result;

/**
 * The idempotency engine behind `makeIdempotent`, the `idempotency` middleware and
 * per-record idempotency in `sqsBatch`. See docs/semantics.md for the semantics of each mode.
 *
 * @example
 * const engine = createIdempotencyEngine({ store, key: (order) => order.id });
 * const outcome = await engine.begin(order, lambdaContext);
 * if (!outcome.run) return outcome.result;
 */
export const createIdempotencyEngine = <Input, Result>(
  options: IdempotencyOptions<Input>,
): IdempotencyEngine<Input, Result> => {
  const opts = resolveOptions(options);
  const { store, now } = opts;
  const cache =
    opts.localCacheSize > 0
      ? new LRUCache<string, IdempotencyRecord>({ max: opts.localCacheSize })
      : undefined;

  const passThrough = (reason: string, lambdaContext?: Context): BeginOutcome<Result> => ({
    run: true,
    session: {
      context: { key: '', transaction: createTransactionCollector(reason), lambdaContext },
      succeed: async (result) => result,
      fail: async () => {},
    },
  });

  const leaseMs = (lambdaContext?: Context): number => {
    const remaining = lambdaContext?.getRemainingTimeInMillis?.();
    if (remaining === undefined) return opts.leaseWithoutContextMs;
    // Lambda runs at most 15 minutes, so no lease needs to be longer than that plus the margin.
    return Math.min(Math.max(remaining, 0) + opts.leaseMarginMs, 15 * 60_000 + opts.leaseMarginMs);
  };

  const resolveExisting = (
    existing: IdempotencyRecord,
    fingerprint: string | undefined,
  ): Extract<BeginOutcome<Result>, { run: false }> => {
    if (
      fingerprint !== undefined &&
      existing.fingerprint !== undefined &&
      existing.fingerprint !== fingerprint
    ) {
      throw new IdempotencyPayloadMismatchError(existing, fingerprint);
    }
    if (existing.status === 'IN_PROGRESS') throw new IdempotencyInProgressError(existing);
    cache?.set(existing.key, existing);
    return { run: false, result: replayOf<Result>(existing), record: existing };
  };

  const completedRecord = (base: IdempotencyRecord, result: Result): IdempotencyRecord => {
    const record: IdempotencyRecord = { ...base, status: 'COMPLETED' };
    const json = opts.storeResult ? JSON.stringify(result) : undefined;
    if (json !== undefined) {
      const bytes = Buffer.byteLength(json);
      if (bytes > MAX_RESULT_BYTES) throw new IdempotencyResultTooLargeError(base.key, bytes);
      record.result = json;
    }
    return record;
  };

  /** Writes the COMPLETED record (with the call's writes) if `expect` holds; caches it when written. */
  const commit = async (
    base: IdempotencyRecord,
    result: Result,
    expect: CompleteExpectation,
    writes: readonly TransactWrite[],
  ) => {
    const record = completedRecord(base, result);
    const outcome = await store.complete(record, expect, writes, now());
    if (outcome.completed) cache?.set(record.key, record);
    return outcome;
  };

  return {
    async begin(input, lambdaContext) {
      if (opts.mode === 'at-least-once') {
        return passThrough(
          'at-least-once mode keeps no record to commit writes with; write directly.',
          lambdaContext,
        );
      }
      const rawKey = opts.key(input);
      if (rawKey === undefined || rawKey === null || rawKey === '') {
        if (opts.onMissingKey === 'run') {
          return passThrough(
            'This call has no idempotency key, so there is no record to commit writes with.',
            lambdaContext,
          );
        }
        throw new IdempotencyKeyError(
          `The \`key\` option returned ${JSON.stringify(rawKey)} for this input. Make it return a non-empty string ` +
            "(e.g. the order id), or set `onMissingKey: 'run'` to run such inputs without idempotency.",
        );
      }
      const key = opts.scope ? `${opts.scope}#${rawKey}` : String(rawKey);
      if (Buffer.byteLength(key) > MAX_KEY_BYTES) {
        throw new IdempotencyKeyError(
          `The idempotency key is longer than DynamoDB's ${MAX_KEY_BYTES}-byte key limit; use a shorter key.`,
        );
      }
      const fingerprint = opts.fingerprint ? fingerprintOf(opts.fingerprint(input)) : undefined;
      const nowMs = now();

      const cached = cache?.get(key);
      if (cached && cached.expiresAt * 1000 > nowMs) return resolveExisting(cached, fingerprint);

      const base: IdempotencyRecord = {
        key,
        status: 'IN_PROGRESS',
        owner: randomUUID(),
        leaseExpiresAt: nowMs + leaseMs(lambdaContext),
        expiresAt: Math.floor((nowMs + opts.expiresAfterMs) / 1000),
        ...(fingerprint === undefined ? {} : { fingerprint }),
      };
      const context = (transaction = createTransactionCollector()): IdempotentContext => ({
        key,
        transaction,
        lambdaContext,
      });

      if (opts.mode === 'at-most-once') {
        const claim = await store.claim({ ...base, status: 'COMPLETED', leaseExpiresAt: 0 }, nowMs);
        if (!claim.claimed) return resolveExisting(claim.existing, fingerprint);
        return {
          run: true,
          session: {
            context: context(
              createTransactionCollector(
                'at-most-once mode completes its record before running; write directly.',
              ),
            ),
            succeed: async (result) => result,
            // The claim stays: at-most-once never runs a key twice, even after an error.
            fail: async () => {},
          },
        };
      }

      if (opts.optimistic) {
        const ctx = context();
        let replayed = false;
        return {
          run: true,
          session: {
            context: ctx,
            async succeed(result) {
              const outcome = await commit(base, result, 'absent', ctx.transaction.writes);
              if (outcome.completed) return result;
              // Another call got there first; our writes were rolled back with the failed transaction.
              if (!outcome.existing) throw new IdempotencyLeaseLostError(key, undefined);
              const stored = resolveExisting(outcome.existing, fingerprint).result;
              replayed = true;
              return stored;
            },
            fail: async () => {},
            get replayed() {
              return replayed;
            },
          },
        };
      }

      const claim = await store.claim(base, nowMs);
      if (!claim.claimed) return resolveExisting(claim.existing, fingerprint);
      const ctx = context();
      return {
        run: true,
        session: {
          context: ctx,
          async succeed(result) {
            try {
              const outcome = await commit(base, result, 'owner', ctx.transaction.writes);
              if (!outcome.completed) throw new IdempotencyLeaseLostError(key, outcome.existing);
              return result;
            } catch (error) {
              // Not completed (result too large, a write's own condition failed, the store failed):
              // release so a retry can run. A lost lease is not ours to release.
              if (!(error instanceof IdempotencyLeaseLostError))
                await store.release(key, base.owner).catch(() => false);
              throw error;
            }
          },
          async fail() {
            // Conditional on our owner token: a record another invocation took over stays untouched.
            await store.release(key, base.owner).catch(() => false);
          },
        },
      };
    },
  };
};
