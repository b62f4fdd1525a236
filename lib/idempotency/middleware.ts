import type { MiddlewareObj, Request } from '@middy/core';
import type { Context } from 'aws-lambda';
import { createIdempotencyEngine } from './engine.ts';
import type { IdempotencySession } from './session.ts';
import type { IdempotencyOptions, IdempotentContext } from './types.ts';

/** The Lambda context as the handler sees it behind the `idempotency` middleware. */
export type IdempotencyLambdaContext = Context & { idempotency: IdempotentContext };

/**
 * Middy middleware that makes a whole invocation idempotent, on the same engine as
 * `makeIdempotent`. A duplicate returns the stored result without running the handler,
 * `undefined` included. In exactly-once mode the handler's transaction collector is
 * `context.idempotency.transaction`. The event type comes from `idempotency<Event>()` or the
 * key's annotated parameter: Middy's `use()` does not pass `middy<Event>()`'s type on to its argument.
 *
 * @example
 * export const handler = middy()
 *   .use(idempotency({ store: dynamoDBStore({ tableName }), key: (event: Payment) => event.paymentId }))
 *   .handler(async (event, context) => {
 *     (context as IdempotencyLambdaContext).idempotency.transaction.put({ TableName: 'payments', Item: event });
 *     return { paid: true };
 *   });
 */
export const idempotency = <Event, Result = unknown>(
  options: IdempotencyOptions<Event>,
): MiddlewareObj<Event, Result> => {
  const engine = createIdempotencyEngine<Event, Result>(options);
  // Only invocations that claimed a key have a session: a duplicate rejected in `before`
  // reaches `onError` with none, so it can never release a lock it did not take.
  const sessions = new WeakMap<object, IdempotencySession<Result>>();

  const idempotencyBefore = async (request: Request<Event, Result>) => {
    const outcome = await engine.begin(request.event, request.context);
    if (!outcome.run) {
      // Set explicitly: Middy treats a returned `undefined` as "go on", which would re-run the handler.
      request.earlyResponse = outcome.result;
      return;
    }
    sessions.set(request, outcome.session);
    Object.assign(request.context, { idempotency: outcome.session.context });
  };

  const idempotencyAfter = async (request: Request<Event, Result>) => {
    const session = sessions.get(request);
    if (!session) return;
    sessions.delete(request);
    request.response = await session.succeed(request.response as Result);
  };

  const idempotencyOnError = async (request: Request<Event, Result>) => {
    const session = sessions.get(request);
    if (!session) return;
    sessions.delete(request);
    await session.fail(request.error);
  };

  return {
    name: 'idempotency',
    before: idempotencyBefore,
    after: idempotencyAfter,
    onError: idempotencyOnError,
  };
};
