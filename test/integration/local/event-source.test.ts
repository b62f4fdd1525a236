import { fileURLToPath } from 'node:url';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import {
  type BatchReport,
  createFunctionHost,
  FunctionTimeoutError,
  startSqsEventSource,
} from '../../../lib/local/index.ts';
import { localClients, uniqueName } from '../../support/local.ts';

const { stack, sqs } = localClients();
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}.ts`, import.meta.url));
const baseEnvironment = { AWS_REGION: stack.region, PATH: process.env.PATH ?? '' };

/** A standard queue with a DLQ after `maxReceiveCount`, visibility timeout 1 s. */
const queueWithDlq = async (maxReceiveCount: number) => {
  const dlq = await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('dlq') }));
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  const name = uniqueName('source');
  const queue = await sqs.send(
    new CreateQueueCommand({
      QueueName: name,
      Attributes: {
        VisibilityTimeout: '1',
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: Attributes?.QueueArn, maxReceiveCount }),
      },
    }),
  );
  return {
    queueUrl: queue.QueueUrl ?? '',
    queueArn: `arn:aws:sqs:${stack.region}:000000000000:${name}`,
    dlqUrl: dlq.QueueUrl ?? '',
  };
};

/** A host of the fixture whose module takes 800 ms to load, with a 300 ms function timeout. */
const slowInitHost = (onLog?: (line: string) => void) =>
  createFunctionHost({
    fn: {
      logicalId: 'SlowInit',
      entry: fixture('slow-init'),
      handler: 'handler',
      environment: {},
      timeoutMs: 300,
    },
    baseEnvironment,
    ...(onLog ? { onLog } : {}),
  });

const run = async (
  entry: string,
  timeoutMs: number,
  until: (reports: BatchReport[]) => boolean,
  maxReceiveCount = 3,
) => {
  const { queueUrl, queueArn, dlqUrl } = await queueWithDlq(maxReceiveCount);
  const host = createFunctionHost({
    fn: { logicalId: 'Fixture', entry: fixture(entry), handler: 'handler', environment: {}, timeoutMs },
    baseEnvironment,
  });
  const reports: BatchReport[] = [];
  const source = startSqsEventSource({
    client: sqs,
    queueUrl,
    queueArn,
    waitTimeSeconds: 1,
    maxConcurrency: 1,
    timeoutMs: timeoutMs + 1_000,
    handler: (event) => host.invoke(event),
    onBatch: (r) => reports.push(r),
  });
  await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: '{"n":1}' }));
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline && !until(reports)) await new Promise((r) => setTimeout(r, 100));
  await source.stop();
  await host.stop();
  return { reports, queueUrl, dlqUrl };
};

describe('the local SQS event source, like Lambda’s', () => {
  it('a handler that always fails sends its message to the DLQ after maxReceiveCount receives', async () => {
    const { reports, dlqUrl } = await run(
      'always-fails',
      5_000,
      (r) => r.filter((x) => x.outcome === 'error').length >= 2,
      2,
    );
    expect(reports.filter((r) => r.outcome === 'error').map((r) => r.deleted)).toEqual([0, 0]);
    let moved: string | undefined;
    for (let attempt = 0; attempt < 10 && !moved; attempt++) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: dlqUrl, WaitTimeSeconds: 1 }),
      );
      moved = Messages[0]?.Body;
    }
    expect(moved).toBe('{"n":1}');
  });

  it('a handler that exceeds its timeout has its batch returned and retried', async () => {
    const { reports } = await run('slow-first-time', 300, (r) => r.some((x) => x.outcome === 'ok'));
    expect(reports.map((r) => r.outcome)).toEqual(['timeout', 'ok']);
    expect(reports[0]).toMatchObject({ deleted: 0, retried: 1 });
    expect(reports[1]).toMatchObject({ deleted: 1, retried: 0 });
  });

  it('an invalid batch response fails the whole batch', async () => {
    const { reports } = await run('invalid-response', 5_000, (r) => r.some((x) => x.outcome === 'ok'));
    expect(reports.map((r) => r.outcome)).toEqual(['invalid-response', 'ok']);
    expect(reports[0]).toMatchObject({ deleted: 0, retried: 1 });
  });

  it('the function host rejects a timed-out invocation and starts a fresh worker for the next', async () => {
    const host = createFunctionHost({
      fn: {
        logicalId: 'Slow',
        entry: fixture('slow-first-time'),
        handler: 'handler',
        environment: {},
        timeoutMs: 100,
      },
      baseEnvironment,
    });
    const first = { Records: [{ attributes: { ApproximateReceiveCount: '1' } }] };
    const second = { Records: [{ attributes: { ApproximateReceiveCount: '2' } }] };
    await expect(host.invoke(first)).rejects.toBeInstanceOf(FunctionTimeoutError);
    await expect(host.invoke(second)).resolves.toEqual({ batchItemFailures: [] });
    await host.stop();
  });

  it("a cold start's init phase does not count toward the function timeout, as in Lambda", async () => {
    const host = slowInitHost();
    await expect(host.invoke({ Records: [] })).resolves.toEqual({ batchItemFailures: [] });
    await host.stop();
  });

  it('warm() loads sandboxes ahead: the invocations that follow start no new one', async () => {
    const lines: string[] = [];
    const host = slowInitHost((line) => lines.push(line));
    await host.warm(2);
    await Promise.all([host.invoke({ Records: [] }), host.invoke({ Records: [] })]);
    await host.invoke({ Records: [] });
    await new Promise((r) => setTimeout(r, 100)); // let the workers' output arrive
    expect(lines.filter((line) => line === 'init done')).toHaveLength(2);
    await host.stop();
  });

  it('each function sees its own environment', async () => {
    const make = (table: string) =>
      createFunctionHost({
        fn: {
          logicalId: table,
          entry: fixture('echo-environment'),
          handler: 'handler',
          environment: { TABLE_NAME: table },
          timeoutMs: 5_000,
        },
        baseEnvironment,
      });
    const [a, b] = [make('payments'), make('notifications')];
    expect(await a.invoke({})).toMatchObject({ table: 'payments', region: stack.region });
    expect(await b.invoke({})).toMatchObject({ table: 'notifications' });
    await Promise.all([a.stop(), b.stop()]);
  });
});
