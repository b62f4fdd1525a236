import type { MiddlewareObj, Request } from '@middy/core';
import type { Context } from 'aws-lambda';
import { createIdempotencyEngine } from './engine.ts';
import { type CallObservationOptions, observeCalls } from './observe.ts';
import { idempotencyDefaults, scopeOf } from './options.ts';
import type { IdempotencySession } from './session.ts';
import type { IdempotencyOptions, IdempotentContext } from './types.ts';

/** The Lambda context as the handler sees it behind the `idempotency` middleware. */
export type IdempotencyLambdaContext = Context & { idempotency: IdempotentContext };

/** The middleware's options: those of `makeIdempotent`. */
export type IdempotencyMiddlewareOptions<Event> = IdempotencyOptions<Event> & CallObservationOptions;

// Responses Middy gave because its early timeout won the race with the handler (see
// `idempotencyTimeoutResponse`): a count, so a request knows whether one happened while it ran.
const cutOffs = { count: 0 };

/**
 * Wraps Middy's `timeoutEarlyResponse` when it returns a value instead of throwing, so the
 * `idempotency` middleware knows the handler was cut off: Middy then runs `after` with this value
 * while the handler is still running, its writes half registered. The middleware commits none of
 * them, keeps no result and releases the key, so the next delivery runs the call whole. With
 * Middy's default `timeoutEarlyResponse` (it throws) nothing is needed: a cut-off reaches `onError`.
 *
 * @example
 * middy({ timeoutEarlyResponse: idempotencyTimeoutResponse(() => ({ statusCode: 504 })) })
 *   .use(idempotency({ store, key: (event: Payment) => event.paymentId }))
 */
export const idempotencyTimeoutResponse =
  <Response>(response: () => Response): (() => Response) =>
  () => {
    const value = response();
    cutOffs.count += 1;
    return value;
  };

/** The handler was cut off: what the call fails with, so a retry runs it again. */
const cutOff = () =>
  Object.assign(new Error("The handler was cut off by Middy's early timeout; nothing was committed."), {
    name: 'TimeoutError',
  });

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
  options: IdempotencyMiddlewareOptions<Event>,
): MiddlewareObj<Event, Result> => {
  const engine = createIdempotencyEngine<Event, Result>(options);
  const observe = observeCalls(options, scopeOf(options), options.mode ?? idempotencyDefaults.mode);
  // Only invocations that claimed a key have a session: a duplicate rejected in `before`
  // reaches `onError` with none, so it can never release a lock it did not take.
  const sessions = new WeakMap<
    object,
    { session: IdempotencySession<Result>; startedAt: number; cutOffsBefore: number }
  >();

  const idempotencyBefore = async (request: Request<Event, Result>) => {
    const outcome = await engine.begin(request.event, request.context);
    if (!outcome.run) {
      observe.duplicate(outcome.record.key);
      // Set explicitly: Middy treats a returned `undefined` as "go on", which would re-run the handler.
      request.earlyResponse = outcome.result;
      return;
    }
    sessions.set(request, { session: outcome.session, startedAt: Date.now(), cutOffsBefore: cutOffs.count });
    Object.assign(request.context, { idempotency: outcome.session.context });
  };

  const idempotencyAfter = async (request: Request<Event, Result>) => {
    const entry = sessions.get(request);
    if (!entry) return;
    sessions.delete(request);
    const { session, startedAt } = entry;
    // Decided by what Middy tells, never by the clock: `after` runs with the handler's own response
    // once the handler settled, and with the timeout's response when the early timeout won the
    // race (then the handler is still running, its writes half registered). Commit none of those,
    // and release, so a retry runs the call whole. A handler that returned in time is committed,
    // however little time the other middlewares left.
    // Lambda runs one invocation at a time per process, so a cut-off while this request ran is
    // this request's, whatever a later middleware made of the response.
    if (cutOffs.count !== entry.cutOffsBefore) {
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
