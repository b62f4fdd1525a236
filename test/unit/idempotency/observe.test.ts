import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { idempotency, makeIdempotent, memoryStore } from '../../../lib/idempotency/index.ts';
import { createReliabilityMetrics, memorySink } from '../../../lib/metrics/index.ts';
import { captureLogger } from '../../support/sqs-events.ts';

type Payment = { paymentId: string; amount: number };
const lambdaContext = () => ({ getRemainingTimeInMillis: () => 10_000 }) as unknown as Context;

const observed = () => {
  const sink = memorySink();
  const { lines, logger } = captureLogger();
  return {
    sink,
    lines,
    options: { metrics: createReliabilityMetrics({ sink }), logger, scope: 'payments-api' },
  };
};

describe('metrics and logs of standalone idempotency, as sqsBatch emits them', () => {
  it('makeIdempotent counts processed, duplicates and failures, and logs the duplicate', async () => {
    const { sink, lines, options } = observed();
    const pay = makeIdempotent(
      async (payment: Payment) => {
        if (payment.amount < 0) throw new Error('negative');
        return { paid: payment.amount };
      },
      { store: memoryStore(), key: (payment) => payment.paymentId, ...options },
    );
    await pay({ paymentId: 'p-1', amount: 5 });
    await pay({ paymentId: 'p-1', amount: 5 });
    await expect(pay({ paymentId: 'p-2', amount: -1 })).rejects.toThrow('negative');
    options.metrics.flush();
    expect(sink.totals({ Queue: 'payments-api' })).toMatchObject({
      MessagesReceived: 3,
      MessagesProcessed: 1,
      DuplicatesSuppressed: 1,
      MessagesFailed: 1,
    });
    expect(lines.find((line) => line.attributes.event === 'duplicate')).toMatchObject({
      level: 'info',
      attributes: { reason: 'idempotency', messageId: 'payments-api#p-1', queue: 'payments-api' },
    });
    expect(lines.find((line) => line.attributes.event === 'failed')?.attributes).toMatchObject({
      willRetry: true,
      errorMessage: 'negative',
    });
  });

  it('the idempotency middleware counts and logs the same way', async () => {
    const { sink, lines, options } = observed();
    const handler = middy<Payment>()
      .use(idempotency({ store: memoryStore(), key: (event: Payment) => event.paymentId, ...options }))
      .handler(async (event: Payment) => ({ paid: event.amount }));
    await handler({ paymentId: 'p-1', amount: 5 }, lambdaContext());
    await handler({ paymentId: 'p-1', amount: 5 }, lambdaContext());
    options.metrics.flush();
    expect(sink.totals({ Queue: 'payments-api' })).toMatchObject({
      MessagesReceived: 2,
      MessagesProcessed: 1,
      DuplicatesSuppressed: 1,
    });
    expect(lines.filter((line) => line.attributes.event === 'duplicate')).toHaveLength(1);
  });

  it('emits nothing with metrics: false', async () => {
    const sink = memorySink();
    const pay = makeIdempotent(async () => 1, { store: memoryStore(), key: () => 'k', metrics: false });
    await pay(undefined);
    expect(sink.documents).toEqual([]);
  });
});
