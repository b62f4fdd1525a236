import type { Context } from 'aws-lambda';
import { createIdempotencyEngine } from './engine.ts';
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
  options: IdempotencyOptions<Input>,
): ((input: Input, lambdaContext?: Context) => Promise<Result>) => {
  const engine = createIdempotencyEngine<Input, Result>(options);
  return async (input, lambdaContext) => {
    const outcome = await engine.begin(input, lambdaContext);
    if (!outcome.run) return outcome.result;
    let result: Result;
    try {
      result = await fn(input, outcome.session.context);
    } catch (error) {
      await outcome.session.fail(error);
      throw error;
    }
    return outcome.session.succeed(result);
  };
};
