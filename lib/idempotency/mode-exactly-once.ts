import { IdempotencyLeaseLostError, IdempotencyResultTooLargeError } from './errors.ts';
import type { BeginOutcome, KeyedCall } from './session.ts';
import { createTransactionCollector, type TransactWrite } from './transaction.ts';
import type { CompleteExpectation, CompleteOutcome, IdempotencyRecord } from './types.ts';

// DynamoDB items are at most 400 KB, attribute names included; leave room for the other attributes.
// https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html
const MAX_RESULT_BYTES = 400 * 1024 - 2048;

/** The COMPLETED record of a call, with its result when stored (and small enough for an item). */
export const completedRecord = <Result>(call: KeyedCall<Result>, result: Result): IdempotencyRecord => {
  const record: IdempotencyRecord = { ...call.base, status: 'COMPLETED' };
  const json = call.storeResult ? JSON.stringify(result) : undefined;
  if (json !== undefined) {
    const bytes = Buffer.byteLength(json);
    if (bytes > MAX_RESULT_BYTES) throw new IdempotencyResultTooLargeError(call.key, bytes);
    record.result = json;
  }
  return record;
};

/** Writes the COMPLETED record (with the call's writes) if `expect` holds; caches it when written. */
const commit = async <Result>(
  call: KeyedCall<Result>,
  result: Result,
  expect: CompleteExpectation,
  writes: readonly TransactWrite[],
): Promise<CompleteOutcome> => {
  const record = completedRecord(call, result);
  const outcome = await call.store.complete(record, expect, writes, call.now());
  if (outcome.completed) call.cache?.set(record.key, record);
  return outcome;
};

/**
 * Exactly-once with a lease: claim the key (IN_PROGRESS, ours until the lease lapses), run, then
 * commit the COMPLETED record and the call's writes in one transaction, conditional on still
 * owning the key. An error releases the claim so a retry can run.
 */
export const exactlyOnce = async <Result>(call: KeyedCall<Result>): Promise<BeginOutcome<Result>> => {
  const { store, key, base } = call;
  const claim = await store.claim(base, call.nowMs);
  if (!claim.claimed) return call.existing(claim.existing);
  const context = { key, transaction: createTransactionCollector(), lambdaContext: call.lambdaContext };
  return {
    run: true,
    session: {
      context,
      async succeed(result) {
        try {
          const outcome = await commit(call, result, 'owner', context.transaction.writes);
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
};

/**
 * Exactly-once without a lease (`optimistic: true`): run first, then one transaction puts the
 * record if the key is free, with the call's writes. A concurrent duplicate runs, but its writes
 * roll back and it gets the first call's result.
 */
export const exactlyOnceOptimistic = async <Result>(
  call: KeyedCall<Result>,
): Promise<BeginOutcome<Result>> => {
  const context = {
    key: call.key,
    transaction: createTransactionCollector(),
    lambdaContext: call.lambdaContext,
  };
  let replayed = false;
  return {
    run: true,
    session: {
      context,
      async succeed(result) {
        const outcome = await commit(call, result, 'absent', context.transaction.writes);
        if (outcome.completed) return result;
        // Another call got there first; our writes were rolled back with the failed transaction.
        if (!outcome.existing) throw new IdempotencyLeaseLostError(call.key, undefined);
        const stored = call.existing(outcome.existing).result;
        replayed = true;
        return stored;
      },
      fail: async () => {},
      get replayed() {
        return replayed;
      },
    },
  };
};
