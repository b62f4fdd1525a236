import type { BeginOutcome, KeyedCall } from './session.ts';
import { createTransactionCollector } from './transaction.ts';

/**
 * At-most-once: the record is written COMPLETED before the call runs, so no key ever runs twice,
 * even after an error or a crash; a call that fails is not retried.
 */
export const atMostOnce = async <Result>(call: KeyedCall<Result>): Promise<BeginOutcome<Result>> => {
  const claim = await call.store.claim({ ...call.base, status: 'COMPLETED', leaseExpiresAt: 0 }, call.nowMs);
  // An SDK retry of a claim that had landed meets our own record: the key is ours, and this call runs.
  if (!claim.claimed && claim.existing.owner !== call.base.owner) return call.existing(claim.existing);
  return {
    run: true,
    session: {
      context: {
        key: call.key,
        transaction: createTransactionCollector(
          'at-most-once mode completes its record before running; write directly.',
        ),
        lambdaContext: call.lambdaContext,
      },
      succeed: async (result) => result,
      // The claim stays: at-most-once never runs a key twice, even after an error.
      fail: async () => {},
    },
  };
};
