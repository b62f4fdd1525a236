import type { Context } from 'aws-lambda';
import type { BeginOutcome, IdempotencyEngine } from './session.ts';
import { createTransactionCollector } from './transaction.ts';

/**
 * At-least-once: no record, every delivery runs. Also the session of a call that has no key
 * (`onMissingKey: 'run'`) and of `sqsBatch` without the `idempotency` option.
 */
export const atLeastOnce = <Result>(reason: string, lambdaContext?: Context): BeginOutcome<Result> => ({
  run: true,
  session: {
    context: { key: '', transaction: createTransactionCollector(reason), lambdaContext },
    succeed: async (result) => result,
    fail: async () => {},
  },
});

/**
 * An engine that runs every call, for callers that have no idempotency options.
 *
 * @example
 * const engine = passThroughEngine('sqsBatch has no `idempotency` option.');
 */
export const passThroughEngine = <Input, Result>(reason: string): IdempotencyEngine<Input, Result> => ({
  begin: async (_input, lambdaContext) => atLeastOnce<Result>(reason, lambdaContext),
});
