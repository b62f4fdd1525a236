// Type tests of the public API's generics: checked by `tsc --noEmit` (npm test's typecheck),
// never run. An `expectTypeOf` that stops holding, or a `@ts-expect-error` whose error goes
// away, fails the type check.
import middy from '@middy/core';
import type {
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
  Context,
  SQSBatchResponse,
  SQSEvent,
} from 'aws-lambda';
import { expectTypeOf } from 'vitest';
import { z } from 'zod';
import {
  type IdempotencyLambdaContext,
  type IdempotentContext,
  idempotency,
  makeIdempotent,
  memoryStore,
} from '../../lib/idempotency/index.ts';
import { type SqsMessage, sqsBatch } from '../../lib/sqs/index.ts';

const store = memoryStore();
type Order = { id: string; amount: number };

// makeIdempotent keeps the wrapped function's input and result, and takes the Lambda context.
const capture = makeIdempotent(
  async (order: Order, ctx) => {
    expectTypeOf(ctx).toEqualTypeOf<IdempotentContext>();
    return { captured: order.amount };
  },
  { store, key: (order) => order.id, fingerprint: (order) => order.amount },
);
expectTypeOf(capture).parameters.toEqualTypeOf<[Order, (Context | undefined)?]>();
expectTypeOf(capture).returns.resolves.toEqualTypeOf<{ captured: number }>();
// @ts-expect-error the key must be derived from an Order
makeIdempotent(async (order: Order) => order.id, { store, key: (order) => order.missing });

// The middleware: the event type comes from idempotency<Event>() or from the key's parameter.
// Middy's `use()` gives its argument no contextual event type (it accepts any MiddlewareObj), so
// an unannotated key cannot learn the event from middy<Event>() — the last case below.
export const api = middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
  .use(idempotency<APIGatewayProxyEvent>({ store, key: (event) => event.headers['Idempotency-Key'] }))
  .handler(async (event, context) => {
    expectTypeOf(event).toEqualTypeOf<APIGatewayProxyEvent>();
    const { transaction } = (context as IdempotencyLambdaContext).idempotency;
    transaction.put({ TableName: 'payments', Item: { pk: event.path } });
    return { statusCode: 200, body: '' };
  });
expectTypeOf(api).parameter(0).toEqualTypeOf<APIGatewayProxyEvent>();

export const annotated = middy<APIGatewayProxyEvent>()
  .use(idempotency({ store, key: (event: APIGatewayProxyEvent) => event.requestContext.requestId }))
  .handler(async (event) => {
    expectTypeOf(event).toEqualTypeOf<APIGatewayProxyEvent>();
  });

middy<APIGatewayProxyEvent>().use(
  // @ts-expect-error TS18046: without idempotency<Event>() or an annotation, the event is unknown
  idempotency({ store, key: (event) => event.headers['Idempotency-Key'] }),
);

// sqsBatch: the body type follows `parse`; JSON bodies are unknown until a schema says more.
const OrderSchema = z.object({ orderId: z.string(), amount: z.number() });
const validated = sqsBatch(
  async (message, { transaction }) => {
    expectTypeOf(message).toEqualTypeOf<SqsMessage<{ orderId: string; amount: number }>>();
    transaction.put({ TableName: 'payments', Item: { pk: message.body.orderId } });
  },
  { parse: OrderSchema, idempotency: { store, key: (m) => m.body.orderId } },
);
expectTypeOf(validated).toEqualTypeOf<(event: SQSEvent, context?: Context) => Promise<SQSBatchResponse>>();
sqsBatch(async (message) => {
  expectTypeOf(message.body).toBeUnknown();
});
// @ts-expect-error the idempotency key reads the schema's body
sqsBatch(async () => undefined, { parse: OrderSchema, idempotency: { store, key: (m) => m.body.customer } });
