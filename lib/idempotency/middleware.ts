import type { MiddlewareObj, Request } from '@middy/core';
import type { Context } from 'aws-lambda';
import { createIdempotencyEngine } from './engine.ts';
import { type CallObservationOptions, observeCalls } from './observe.ts';
import { idempotencyDefaults, scopeOf } from './options.ts';
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
export type IdempotencyMiddlewareOptions<Event> = IdempotencyOptions<Event> &
  CallObservationOptions & {
    /**
     * Middy's `timeoutEarlyInMillis` (give the same value as to `middy()`). When `after` runs with
     * no more than this left, the handler was cut off by Middy's early timeout (its
     * `timeoutEarlyResponse` returned a value): nothing is committed and no result kept.
     * @default 5 (Middy's default)
     */
    timeoutEarlyInMillis?: number;
  };

/** The handler was cut off: what the call fails with, so a retry runs it again. */
const cutOff = () =>
  Object.assign(new Error("The handler was cut off by Middy's early timeout; nothing was committed."), {
    name: 'TimeoutError',
  });

export const idempotency = <Event, Result = unknown>(
  options: IdempotencyMiddlewareOptions<Event>,
): MiddlewareObj<Event, Result> => {
  const engine = createIdempotencyEngine<Event, Result>(options);
  const observe = observeCalls(options, scopeOf(options), options.mode ?? idempotencyDefaults.mode);
  const timeoutEarlyInMillis = options.timeoutEarlyInMillis ?? 5;
  // Only invocations that claimed a key have a session: a duplicate rejected in `before`
  // reaches `onError` with none, so it can never release a lock it did not take.
  const sessions = new WeakMap<object, { session: IdempotencySession<Result>; startedAt: number }>();

  const idempotencyBefore = async (request: Request<Event, Result>) => {
    const outcome = await engine.begin(request.event, request.context);
    if (!outcome.run) {
      observe.duplicate(outcome.record.key);
      // Set explicitly: Middy treats a returned `undefined` as "go on", which would re-run the handler.
      request.earlyResponse = outcome.result;
      return;
    }
    sessions.set(request, { session: outcome.session, startedAt: Date.now() });
    Object.assign(request.context, { idempotency: outcome.session.context });
  };

  const idempotencyAfter = async (request: Request<Event, Result>) => {
    const entry = sessions.get(request);
    if (!entry) return;
    sessions.delete(request);
    const { session, startedAt } = entry;
    // Middy raced the handler against its early timeout and the timeout won: the handler is
    // still running, its writes half registered, and the response is the timeout's. Commit none
    // of it and release, so a retry runs the call whole.
    const remaining = request.context?.getRemainingTimeInMillis?.();
    if (remaining !== undefined && remaining <= timeoutEarlyInMillis) {
      const error = cutOff();
      await session.fail(error);
      observe.failed(session.context.key, error);
      return;
    }
    try {
      request.response = await session.succeed(request.response as Result);
    } catch (error) {
      observe.failed(session.context.key, error);
      throw error;
    }
    if (session.replayed) observe.duplicate(session.context.key);
    else observe.processed(startedAt);
  };

  const idempotencyOnError = async (request: Request<Event, Result>) => {
    const entry = sessions.get(request);
    if (!entry) return;
    sessions.delete(request);
    await entry.session.fail(request.error);
    observe.failed(entry.session.context.key, request.error);
  };

  return {
    name: 'idempotency',
    before: idempotencyBefore,
    after: idempotencyAfter,
    onError: idempotencyOnError,
  };
};
