// Adversarial review of issue 21: Middy's early timeout with a value-returning, wrapped
// timeoutEarlyResponse, and an `after` middleware that rebuilds the response (a serializer, a
// header-adding middleware) running before idempotency's `after`.
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import {
  type IdempotencyLambdaContext,
  idempotency,
  idempotencyTimeoutResponse,
  memoryStore,
} from '../../../lib/idempotency/index.ts';

type Payment = { paymentId: string };
const endingIn = (ms: number) => {
  const deadline = Date.now() + ms;
  return { getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()) } as unknown as Context;
};

describe('attack: a cut-off whose response a later-used middleware rebuilt', () => {
  it('commits nothing and keeps no result: the retry runs the call whole', async () => {
    const store = memoryStore();
    let slow = true;
    let runs = 0;
    const handler = middy<Payment, unknown>({
      timeoutEarlyInMillis: 100,
      timeoutEarlyResponse: idempotencyTimeoutResponse(() => ({ statusCode: 504 })),
    })
      .use(idempotency({ store, key: (event: Payment) => event.paymentId, scope: '', metrics: false }))
      // Used after idempotency, so its `after` runs first (Middy runs `after` in reverse order):
      // adds a header, as http-security-headers or a CORS middleware does, to a new object.
      .use({
        after: async (request) => {
          request.response = { ...(request.response as object), headers: { 'x-request': 'r' } };
        },
      })
      .handler(async (_event, context) => {
        runs++;
        (context as IdempotencyLambdaContext).idempotency.transaction;
        if (slow) await new Promise((resolve) => setTimeout(resolve, 400));
        return { statusCode: 200 };
      });

    expect(await handler({ paymentId: 'p-1' }, endingIn(200))).toMatchObject({ statusCode: 504 });
    slow = false;
    // Documented: "commits nothing, keeps no result and releases the claim, and the next delivery runs
    // the call whole". Observed: the identity check `Object.is(request.response, cutOffs.last)`
    // misses the rebuilt response, the 504 is stored as the call's result and replayed forever.
    expect(await handler({ paymentId: 'p-1' }, endingIn(5_000))).toMatchObject({ statusCode: 200 });
    expect(runs).toBe(2);
  });
});
