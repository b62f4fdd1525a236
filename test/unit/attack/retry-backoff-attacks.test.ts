import { ChangeMessageVisibilityBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { memorySequenceStore, type SqsMessage, sqsBatch } from '../../../lib/sqs/index.ts';
import { visibilityFor } from '../../../lib/sqs/retry-backoff.ts';
import { captureLogger, failedIds, lambdaContext, sqsEvent, sqsRecord } from '../../support/sqs-events.ts';

// Attacks on retryBackoff: what the shortened visibility does to a record's receives, which the
// queue's redrive policy (maxReceiveCount × visibility timeout) was sized for.

const QUEUE = 'https://sqs.us-east-1.amazonaws.com/123456789012/orders';
// ReliableQueue's defaults.
const VISIBILITY_S = 180;
const MAX_RECEIVES = 5;
const T0 = 1_700_000_000_000;

const sqs = mockClient(SQSClient);
beforeEach(() => {
  sqs.reset();
  sqs.on(ChangeMessageVisibilityBatchCommand).callsFake(({ Entries }) => ({
    Successful: Entries.map(({ Id }: { Id: string }) => ({ Id })),
    Failed: [],
  }));
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(T0);
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllEnvs();
});

const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
const backoff = { notStartedSeconds: 0, transientSeconds: 1, maxSeconds: 30, queueUrl: QUEUE };

/** The visibility the last ChangeMessageVisibilityBatch gave a receipt handle, else the queue's. */
const visibilityGiven = (handle: string) => {
  const entries = sqs
    .commandCalls(ChangeMessageVisibilityBatchCommand)
    .flatMap((c) => c.args[0].input.Entries ?? []);
  return entries.filter((e) => e.ReceiptHandle === handle).at(-1)?.VisibilityTimeout ?? VISIBILITY_S;
};

/**
 * Delivers `record` the way SQS redelivers a returned record: again once the visibility the
 * batch gave it ran out, its receive count one higher, until it is acknowledged or SQS would
 * move it to the DLQ. `before(now)` runs before each receive. Returns whether it was acknowledged.
 */
const redeliver = async (
  handler: ReturnType<typeof sqsBatch>,
  record: (receiveCount: number) => SQSRecord,
  before: (now: number) => Promise<void> = async () => {},
) => {
  for (let receive = 1; receive <= MAX_RECEIVES; receive += 1) {
    await before(Date.now());
    sqs.resetHistory();
    const sent = record(receive);
    const failed = failedIds(await handler(sqsEvent(sent), lambdaContext()));
    if (failed.length === 0) return { acknowledged: true, receives: receive };
    vi.setSystemTime(Date.now() + visibilityGiven(sent.receiptHandle) * 1000);
  }
  return { acknowledged: false, receives: MAX_RECEIVES };
};

describe('retryBackoff attacks', () => {
  it.each([
    ['with the backoff', { queueUrl: QUEUE }],
    ['without it (the control)', false],
  ] as const)(
    'a record held for a sequence gap waits for its predecessor as long as without the backoff (else the predecessor, 5 min late, is skipped as a duplicate: lost): %s',
    async (_, retryBackoff) => {
      vi.stubEnv('MAX_RECEIVE_COUNT', String(MAX_RECEIVES));
      type Entry = { account: string; seq: number };
      const applied: number[] = [];
      const handler = sqsBatch<Entry>(
        async ({ body }) => {
          applied.push(body.seq);
        },
        {
          sequence: {
            key: (m: SqsMessage<Entry>) => m.body.account,
            seq: (m) => m.body.seq,
            store: memorySequenceStore(),
          },
          retryBackoff,
          sqsClient: new SQSClient({}),
          metrics: false,
          logger: captureLogger().logger,
        },
      );
      const message = (seq: number, receiveCount = 1) =>
        sqsRecord(`m${seq}`, { account: 'a', seq }, { sentAt: T0, receiveCount });
      expect(failedIds(await handler(sqsEvent(message(1)), lambdaContext()))).toEqual([]);
      // 2 is 5 minutes late (an outbox relay behind): within holdForMs (15 min) and within the
      // 4 × 180 s the queue's redrive policy gives 3 before it stops being held.
      let twoSent = false;
      await redeliver(
        handler,
        (n) => message(3, n),
        async (now) => {
          if (twoSent || now < T0 + 300_000) return;
          twoSent = true;
          await handler(sqsEvent(message(2)), lambdaContext());
        },
      );
      if (!twoSent) await handler(sqsEvent(message(2)), lambdaContext());
      expect(applied).toEqual([1, 2, 3]);
    },
  );

  /** Whether a record throttled for 60 s is applied before SQS would move it to the DLQ. */
  const outlastsThrottle = async (retryBackoff: false | { queueUrl: string }) => {
    vi.stubEnv('MAX_RECEIVE_COUNT', String(MAX_RECEIVES));
    const handler = sqsBatch(
      async () => {
        if (Date.now() < T0 + 60_000) throw throttled();
      },
      { retryBackoff, sqsClient: new SQSClient({}), metrics: false, logger: captureLogger().logger },
    );
    return (await redeliver(handler, (n) => sqsRecord('m1', {}, { receiveCount: n }))).acknowledged;
  };

  // OPEN (left for the owner): with the backoff, receives 1…5 all fall within ~15 s of throttling
  // or outage, so a good record reaches the DLQ where the queue's 180 s timeout gave it 12 minutes.
  // Keeping the queue's timeout for the failure before the last receive makes this pass, but made
  // test/integration/verify/outage-replay.test.ts (park-group) fail: 7 SQS-redriven orders replayed
  // after their successors. Not fixed here.
  it.fails('a 60 s throttle does not send a good record to the DLQ, as the queue timeout alone would not: with the backoff', async () => {
    expect(await outlastsThrottle({ queueUrl: QUEUE })).toBe(true);
  });

  it('a 60 s throttle does not send a good record to the DLQ: without the backoff (the control)', async () => {
    expect(await outlastsThrottle(false)).toBe(true);
  });

  it('an ApproximateReceiveCount that is not a number still gives a valid VisibilityTimeout', async () => {
    const handler = sqsBatch(
      async () => {
        throw throttled();
      },
      {
        retryBackoff: { queueUrl: QUEUE },
        sqsClient: new SQSClient({}),
        metrics: false,
        logger: captureLogger().logger,
      },
    );
    const record = sqsRecord('m1', {});
    record.attributes.ApproximateReceiveCount = 'unknown';
    await handler(sqsEvent(record), lambdaContext());
    const [entry] = sqs.commandCalls(ChangeMessageVisibilityBatchCommand)[0]?.args[0].input.Entries ?? [];
    expect(Number.isInteger(entry?.VisibilityTimeout)).toBe(true);
    expect(visibilityFor({ kind: 'failed', error: throttled() }, Number.NaN, backoff)).toBe(1);
  });

  it('a huge receive count is capped at maxSeconds, and maxSeconds below transientSeconds wins', () => {
    const transient = { kind: 'failed', error: throttled() } as const;
    expect(visibilityFor(transient, 5_000, backoff)).toBe(30);
    expect(visibilityFor(transient, 1, { ...backoff, transientSeconds: 10, maxSeconds: 2 })).toBe(2);
  });
});
