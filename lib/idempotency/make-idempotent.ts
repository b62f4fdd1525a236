import type { Context } from 'aws-lambda';
import { createIdempotencyEngine } from './engine.ts';
import { type CallObservationOptions, observeCalls } from './observe.ts';
import { idempotencyDefaults, scopeOf } from './options.ts';
import type { IdempotencyOptions, IdempotentContext } from './types.ts';

/**
 * Wraps an async function so that each idempotency key runs according to `mode`:
 * exactly-once by default (a duplicate gets the stored result without running the function).
 * Pass the Lambda context as the second argument so the lease follows the remaining time.
 *
 * @example
 * const capture = makeIdempotent(
 *   async (order: Order, { transaction }) => {
 *     transaction.put({ TableName: 'payments', Item: { pk: order.id, amount: order.amount } });
 *     return { captured: order.amount };
 *   },
 *   { store: dynamoDBStore({ tableName: 'idempotency' }), key: (order) => order.id },
 * );
 * await capture(order, lambdaContext);
 */
export const makeIdempotent = <Input, Result>(
  fn: (input: Input, ctx: IdempotentContext) => Promise<Result> | Result,
  options: IdempotencyOptions<Input> & CallObservationOptions,
): ((input: Input, lambdaContext?: Context) => Promise<Result>) => {
  const engine = createIdempotencyEngine<Input, Result>(options);
  const observe = observeCalls(options, scopeOf(options), options.mode ?? idempotencyDefaults.mode);
  return async (input, lambdaContext) => {
    const outcome = await engine.begin(input, lambdaContext);
    if (!outcome.run) {
      observe.duplicate(outcome.record.key);
      return outcome.result;
    }
    const { session } = outcome;
    const startedAt = Date.now();
    let result: Result;
    try {
      result = await fn(input, session.context);
    } catch (error) {
      await session.fail(error);
      observe.failed(session.context.key, error);
      throw error;
    }
    try {
      result = await session.succeed(result);
    } catch (error) {
      observe.failed(session.context.key, error);
      throw error;
    }
    if (session.replayed) observe.duplicate(session.context.key);
    else observe.processed(startedAt);
    return result;
  };
};
