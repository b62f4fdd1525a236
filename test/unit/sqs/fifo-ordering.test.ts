import { setTimeout as sleep } from 'node:timers/promises';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { type SqsMessage, sqsBatch } from '../../../lib/sqs/index.ts';
import { captureLogger, failedIds, lambdaContext, sqsEvent, sqsRecord } from '../../support/sqs-events.ts';

type Step = { id: string };
const batch = () =>
  sqsEvent(
    sqsRecord('A1', { id: 'A1' }, { group: 'A' }),
    sqsRecord('A2', { id: 'A2' }, { group: 'A' }),
    sqsRecord('B1', { id: 'B1' }, { group: 'B' }),
    sqsRecord('A3', { id: 'A3' }, { group: 'A' }),
    sqsRecord('B2', { id: 'B2' }, { group: 'B' }),
  );

/** A handler that logs start and end of each record, takes `delay` ms, and fails the ids in `failing`. */
const recorder = (failing: string[], delay: (id: string) => number = () => 5) => {
  const events: string[] = [];
  const effects: string[] = [];
  const handler = async ({ body }: SqsMessage<Step>) => {
    events.push(`start ${body.id}`);
    await sleep(delay(body.id));
    if (failing.includes(body.id)) {
      events.push(`fail ${body.id}`);
      throw new Error(`${body.id} failed`);
    }
    effects.push(body.id);
    events.push(`end ${body.id}`);
  };
  return { events, effects, handler };
};

const quiet = () => ({ metrics: false as const, logger: captureLogger().logger });

describe('sqsBatch on FIFO batches', () => {
  it('skip-group: A2 failing reports exactly A2 and A3; group B goes on', async () => {
    const { events, effects, handler } = recorder(['A2']);
    const response = await sqsBatch<Step>(handler, quiet())(batch(), lambdaContext());

    expect(failedIds(response)).toEqual(['A2', 'A3']);
    expect(effects.filter((id) => id.startsWith('A'))).toEqual(['A1']);
    expect(effects.filter((id) => id.startsWith('B'))).toEqual(['B1', 'B2']);
    expect(events).not.toContain('start A3');
  });

  it('runs one group in order, one record at a time, while groups overlap', async () => {
    const { events, handler } = recorder([]);
    await sqsBatch<Step>(handler, quiet())(batch(), lambdaContext());

    const at = (event: string) => events.indexOf(event);
    expect(at('end A1')).toBeLessThan(at('start A2'));
    expect(at('end A2')).toBeLessThan(at('start A3'));
    expect(at('end B1')).toBeLessThan(at('start B2'));
    // B1 starts before A1 ends: the groups run concurrently.
    expect(at('start B1')).toBeLessThan(at('end A1'));
  });

  it('stop-batch: every record from A2 on that did not finish is reported', async () => {
    const { effects, handler } = recorder(['A2'], (id) => (id === 'B1' ? 30 : 1));
    const response = await sqsBatch<Step>(handler, { ...quiet(), onFailure: 'stop-batch' })(
      batch(),
      lambdaContext(),
    );

    // B1 was already running when A2 failed, so it finished; B2 had not started.
    expect(effects).toEqual(['A1', 'B1']);
    expect(failedIds(response)).toEqual(['A2', 'A3', 'B2']);
  });

  it('works as the handler of a Middy chain', async () => {
    const { effects, handler } = recorder(['B1']);
    const wrapped = middy<SQSEvent, SQSBatchResponse>().handler(sqsBatch<Step>(handler, quiet()));
    const response = await wrapped(batch(), lambdaContext());
    expect(failedIds(response)).toEqual(['B1', 'B2']);
    expect(effects).toEqual(['A1', 'A2', 'A3']);
  });

  it('runs behind Powertools Logger in a Middy chain, logging through the same logger', async () => {
    const lines: string[] = [];
    // Powertools writes info to stdout and warn/error to stderr; Lambda ships both to CloudWatch.
    const capture = (chunk: unknown) => {
      lines.push(String(chunk));
      return true;
    };
    const writes = [
      vi.spyOn(process.stdout, 'write').mockImplementation(capture),
      vi.spyOn(process.stderr, 'write').mockImplementation(capture),
    ];
    try {
      const logger = new Logger({ serviceName: 'payments', logLevel: 'INFO' });
      const { handler: record } = recorder(['A2']);
      const handler = middy<SQSEvent, SQSBatchResponse>()
        .use(injectLambdaContext(logger))
        .handler(sqsBatch<Step>(record, { metrics: false, logger }));
      const response = await handler(batch(), lambdaContext());
      expect(failedIds(response)).toEqual(['A2', 'A3']);
    } finally {
      for (const write of writes) write.mockRestore();
    }
    const failure = lines.map((line) => JSON.parse(line)).find((entry) => entry.event === 'failed');
    expect(failure).toMatchObject({
      service: 'payments',
      messageId: 'A2',
      groupId: 'A',
      function_request_id: 'req-1',
    });
  });

  it('limits the groups in flight to `concurrency`', async () => {
    let inFlight = 0;
    let peak = 0;
    const records = Array.from({ length: 10 }, (_, i) =>
      sqsRecord(`m${i}`, { id: `m${i}` }, { group: `g${i}` }),
    );
    await sqsBatch<Step>(
      async () => {
        peak = Math.max(peak, ++inFlight);
        await sleep(5);
        inFlight--;
      },
      { ...quiet(), concurrency: 3 },
    )(sqsEvent(...records), lambdaContext());
    expect(peak).toBe(3);
  });

  it('treats records carrying MessageGroupId as FIFO even without a .fifo ARN', async () => {
    const { events, handler } = recorder([]);
    const records = batch().Records.map((r) => ({ ...r, eventSourceARN: 'arn:aws:sqs:us-east-1:1:orders' }));
    await sqsBatch<Step>(handler, quiet())({ Records: records }, lambdaContext());
    expect(events.indexOf('end A1')).toBeLessThan(events.indexOf('start A2'));
  });

  it("ordering: 'none' runs a group's records concurrently", async () => {
    const { events, handler } = recorder([], () => 10);
    await sqsBatch<Step>(handler, { ...quiet(), ordering: 'none' })(batch(), lambdaContext());
    expect(events.indexOf('start A2')).toBeLessThan(events.indexOf('end A1'));
  });
});
