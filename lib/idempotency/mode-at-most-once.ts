import type { BeginOutcome, KeyedCall } from './session.ts';
import { createTransactionCollector } from './transaction.ts';

/**
 * At-most-once: the record is written COMPLETED before the call runs, so no key ever runs twice,
 * even after an error or a crash; a call that fails is not retried.
 */
export const atMostOnce = async <Result>(call: KeyedCall<Result>): Promise<BeginOutcome<Result>> => {
  const record = { ...call.base, status: 'COMPLETED' as const, leaseExpiresAt: 0 };
  const claim = await call.store.claim(record, call.nowMs);
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
      // The claim stays: at-most-once never runs a key twice, even after an error. The record
      // keeps the error, so a redelivery (the dead-letter send failed, say) can still dead-letter
      // the input instead of taking it for a duplicate. Best effort: it never throws.
      async fail(error) {
        const failure =
          error instanceof Error
            ? { name: error.name, message: error.message }
            : { name: 'Error', message: String(error) };
        await call.store.complete({ ...record, failure }, 'owner', [], call.now()).catch(() => undefined);
      },
    },
  };
};
