import {
  IdempotencyLeaseLostError,
  IdempotencyResultError,
  IdempotencyResultTooLargeError,
} from './errors.ts';
import type { BeginOutcome, KeyedCall } from './session.ts';
import { isRefusal, refused } from './staged-commit.ts';
import { createTransactionCollector, type TransactWrite } from './transaction.ts';
import type { CompleteExpectation, IdempotencyRecord, RecordStatus } from './types.ts';

// DynamoDB items are at most 400 KB, attribute names included; leave room for the other attributes.
// https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html
const MAX_RESULT_BYTES = 400 * 1024 - 2048;

/** The COMPLETED record of a call, with its result when stored (and small enough for an item). */
export const completedRecord = <Result>(call: KeyedCall<Result>, result: Result): IdempotencyRecord => {
  const record: IdempotencyRecord = { ...call.base, status: 'COMPLETED' };
  let json: string | undefined;
  try {
    json = call.storeResult ? JSON.stringify(result) : undefined;
  } catch (cause) {
    throw new IdempotencyResultError(call.key, { cause });
  }
  if (json !== undefined) {
    const bytes = Buffer.byteLength(json);
    if (bytes > MAX_RESULT_BYTES) throw new IdempotencyResultTooLargeError(call.key, bytes);
    record.result = json;
  }
  return record;
};

type Commit =
  | { completed: true }
  /** The condition failed: `existing` holds the key. Nothing was written. */
  | { completed: false; existing?: IdempotencyRecord }
  /** The store failed; `standing` is the record read back after it (`undefined`: absent or unreadable). */
  | { completed: false; error: unknown; standing: IdempotencyRecord | undefined };

const isOurs = (call: KeyedCall<unknown>, record: IdempotencyRecord | undefined, status: RecordStatus) =>
  record?.owner === call.base.owner && record.status === status;

/**
 * Writes the COMPLETED record (with the call's writes) if `expect` holds. When the store fails,
 * the write may still have landed (a timeout after sending, TransactionInProgressException, a
 * retry throttled after the first attempt got through), so the record is read back to find out.
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html
 */
const commit = async <Result>(
  call: KeyedCall<Result>,
  result: Result,
  expect: CompleteExpectation,
  writes: readonly TransactWrite[],
): Promise<Commit> => {
  const record = completedRecord(call, result);
  let outcome: Commit;
  try {
    outcome = await call.store.complete(record, expect, writes, call.now());
    // An SDK retry of our own write that had landed meets our record: that is success.
    if (!outcome.completed && isOurs(call, outcome.existing, 'COMPLETED')) outcome = { completed: true };
  } catch (error) {
    const standing = await call.store.get?.(call.key).catch(() => undefined);
    outcome = isOurs(call, standing, 'COMPLETED')
      ? { completed: true }
      : { completed: false, error, standing };
  }
  if (outcome.completed) call.remember(record);
  return outcome;
};

/** What a failed commit fails with: a write registered as poison, a refusal (never retried), or the error. */
const failureOf = (
  call: KeyedCall<unknown>,
  transaction: { poisoned(error: unknown): unknown },
  error: unknown,
) => transaction.poisoned(error) ?? (isRefusal(error) ? refused(call.key, error) : error);

/**
 * Exactly-once with a lease: claim the key (IN_PROGRESS, ours until the lease lapses), run, then
 * commit the COMPLETED record and the call's writes in one transaction, conditional on still
 * owning the key. An error releases the claim so a retry can run.
 */
export const exactlyOnce = async <Result>(call: KeyedCall<Result>): Promise<BeginOutcome<Result>> => {
  const { store, key, base } = call;
  const claim = await store.claim(base, call.nowMs);
  // An SDK retry of a claim that had landed meets our own record: the key is ours.
  if (!claim.claimed && !isOurs(call, claim.existing, 'IN_PROGRESS')) return call.existing(claim.existing);
  const context = { key, transaction: createTransactionCollector(), lambdaContext: call.lambdaContext };
  return {
    run: true,
    session: {
      context,
      async succeed(result) {
        let outcome: Commit;
        try {
          outcome = await commit(call, result, 'owner', context.transaction.writes);
        } catch (error) {
          // Refused before anything was sent (the result too large to store): release so a retry can run.
          await store.release(key, base.owner).catch(() => false);
          throw error;
        }
        if (outcome.completed) return result;
        if (!('error' in outcome)) throw new IdempotencyLeaseLostError(key, outcome.existing);
        // The record says the commit did not land and the key is still ours: release it, so a
        // retry can run (conditional on IN_PROGRESS and our owner, so a late landing is never undone).
        // Unreadable, it is left to its lease.
        if (isOurs(call, outcome.standing, 'IN_PROGRESS'))
          await store.release(key, base.owner).catch(() => false);
        throw failureOf(call, context.transaction, outcome.error);
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
        if ('error' in outcome) throw failureOf(call, context.transaction, outcome.error);
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
