import { ChangeMessageVisibilityBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigurationError } from '../../../lib/errors.ts';
import { IdempotencyInProgressError } from '../../../lib/idempotency/errors.ts';
import { sqsBatch } from '../../../lib/sqs/index.ts';
import { visibilityFor } from '../../../lib/sqs/retry-backoff.ts';
import { captureLogger, failedIds, lambdaContext, sqsEvent, sqsRecord } from '../../support/sqs-events.ts';

const QUEUE = 'https://sqs.us-east-1.amazonaws.com/123456789012/orders.fifo';
const sqs = mockClient(SQSClient);
beforeEach(() => {
  sqs.reset();
  sqs.on(ChangeMessageVisibilityBatchCommand).callsFake(({ Entries }) => ({
    Successful: Entries.map(({ Id }: { Id: string }) => ({ Id })),
    Failed: [],
  }));
});
afterEach(() => vi.unstubAllEnvs());

const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
const backoff = { notStartedSeconds: 0, transientSeconds: 1, maxSeconds: 30, queueUrl: QUEUE };

describe('the retry backoff of the records a batch returns', () => {
  it('a record never started comes back at once; a transient failure doubles per receive; any other keeps the queue timeout', () => {
    expect(visibilityFor({ kind: 'not-run', reason: 'group-failed' }, 3, backoff)).toBe(0);
    expect(visibilityFor({ kind: 'not-run', reason: 'time-guard' }, 1, backoff)).toBe(0);
    const transient = { kind: 'failed', error: throttled() } as const;
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => visibilityFor(transient, n, backoff))).toEqual([
      1, 2, 4, 8, 16, 30, 30,
    ]);
    const inProgress = {
      kind: 'failed',
      error: new IdempotencyInProgressError({ key: 'k', leaseExpiresAt: Date.now() + 1000 } as never),
    } as const;
    expect(visibilityFor(inProgress, 2, backoff)).toBe(2);
    expect(visibilityFor({ kind: 'held', error: new Error('gap') }, 1, backoff)).toBeUndefined();
    const conflict = Object.assign(new Error('cancelled'), {
      name: 'TransactionCanceledException',
      CancellationReasons: [{ Code: 'None' }, { Code: 'TransactionConflict' }],
    });
    expect(visibilityFor({ kind: 'failed', error: conflict }, 1, backoff)).toBe(1);
    const outage = Object.assign(new Error('Internal server error'), {
      name: 'InternalServerError',
      $fault: 'server',
    });
    expect(visibilityFor({ kind: 'failed', error: outage }, 3, backoff)).toBe(4);
    expect(visibilityFor({ kind: 'failed', error: new Error('bank is down') }, 1, backoff)).toBeUndefined();
  });

  it('sets them with ChangeMessageVisibilityBatch on the source queue: the throttled head short, its group at once', async () => {
    let calls = 0;
    const handler = sqsBatch(
      async () => {
        calls += 1;
        if (calls === 2) throw throttled();
      },
      {
        retryBackoff: { queueUrl: QUEUE },
        sqsClient: new SQSClient({}),
        metrics: false,
        logger: captureLogger().logger,
      },
    );
    const records = ['m1', 'm2', 'm3'].map((id) => sqsRecord(id, { id }, { group: 'g', receiveCount: 3 }));
    const response = await handler(sqsEvent(...records), lambdaContext());
    expect(failedIds(response)).toEqual(['m2', 'm3']);
    expect(sqs.commandCalls(ChangeMessageVisibilityBatchCommand).map((c) => c.args[0].input)).toEqual([
      {
        QueueUrl: QUEUE,
        Entries: [
          { Id: '1', ReceiptHandle: 'handle-m2', VisibilityTimeout: 4 },
          { Id: '2', ReceiptHandle: 'handle-m3', VisibilityTimeout: 0 },
        ],
      },
    ]);
  });

  it('takes the queue from QUEUE_URL (ReliableConsumer), and sends nothing when every record succeeded', async () => {
    vi.stubEnv('QUEUE_URL', QUEUE);
    const handler = sqsBatch(async () => {}, {
      sqsClient: new SQSClient({}),
      metrics: false,
      logger: captureLogger().logger,
    });
    await handler(sqsEvent(sqsRecord('m1', {}, { group: 'g' })), lambdaContext());
    expect(sqs.commandCalls(ChangeMessageVisibilityBatchCommand)).toEqual([]);
  });

  it('is off without a queue URL, or with retryBackoff: false', async () => {
    for (const retryBackoff of [undefined, false] as const) {
      const handler = sqsBatch(
        async () => {
          throw throttled();
        },
        {
          ...(retryBackoff === false ? { retryBackoff } : {}),
          sqsClient: new SQSClient({}),
          metrics: false,
          logger: captureLogger().logger,
        },
      );
      await handler(sqsEvent(sqsRecord('m1', {}, { group: 'g' })), lambdaContext());
    }
    expect(sqs.commandCalls(ChangeMessageVisibilityBatchCommand)).toEqual([]);
  });

  it('a change SQS refuses (or a call that fails) is logged and the records stay returned: never lost', async () => {
    sqs.on(ChangeMessageVisibilityBatchCommand).rejects(new Error('network down'));
    const { lines, logger } = captureLogger();
    const handler = sqsBatch(
      async () => {
        throw throttled();
      },
      { retryBackoff: { queueUrl: QUEUE }, sqsClient: new SQSClient({}), metrics: false, logger },
    );
    const records = Array.from({ length: 12 }, (_, i) => sqsRecord(`m${i}`, {}, { group: `g${i}` }));
    const response = await handler(sqsEvent(...records), lambdaContext());
    expect(failedIds(response)).toHaveLength(12);
    // Ten entries per request: two requests for twelve records.
    expect(sqs.commandCalls(ChangeMessageVisibilityBatchCommand)).toHaveLength(2);
    expect(lines.find((l) => l.attributes.event === 'backoff-failed')?.attributes).toMatchObject({
      records: 12,
    });
  });

  it('rejects a bad option when the handler is built', () => {
    const build = (retryBackoff: unknown) => () =>
      sqsBatch(async () => {}, { retryBackoff: retryBackoff as never });
    expect(build({ queueUrl: 'orders' })).toThrow(ConfigurationError);
    expect(build({ queueUrl: QUEUE, transientSeconds: -1 })).toThrow(/retryBackoff.transientSeconds/);
    expect(build({ queueUrl: QUEUE, maxSeconds: 43_201 })).toThrow(/12 hours/);
    expect(build('on')).toThrow(ConfigurationError);
  });
});
