import { connect } from 'node:net';
import { DynamoDBClient, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSEvent } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../lib/errors.ts';
import {
  type BatchReport,
  type FaultProxy,
  localClientConfig,
  type SqsEventSourceFaults,
  startFaultProxy,
  startSqsEventSource,
} from '../../../lib/local/index.ts';
import { createTable, localClients, uniqueName } from '../../support/local.ts';

const { stack, dynamodb, documents, sqs } = localClients();

describe('the fault proxy in front of DynamoDB Local', () => {
  let proxy: FaultProxy | undefined;
  afterEach(async () => {
    await proxy?.stop();
    proxy = undefined;
  });
  const through = (p: FaultProxy, maxAttempts?: number) =>
    DynamoDBDocumentClient.from(
      new DynamoDBClient({
        ...localClientConfig(stack, p.endpoint),
        ...(maxAttempts ? { maxAttempts } : {}),
      }),
    );

  it('rejects a target that is not a URL and a negative latency, naming the option', async () => {
    await expect(startFaultProxy({ target: 'localhost:8000' })).rejects.toThrow(ConfigurationError);
    await expect(startFaultProxy({ target: 'nowhere' })).rejects.toThrow(
      /`target` must be the service's http\(s\) URL/,
    );
    await expect(startFaultProxy({ target: stack.dynamodb.endpoint, latencyMs: -1 })).rejects.toThrow(
      /`latencyMs` must be zero or more milliseconds, received -1/,
    );
  });

  it('outlives a caller that goes away in the middle of its request', async () => {
    const TableName = await createTable(dynamodb, 'proxy');
    proxy = await startFaultProxy({ target: stack.dynamodb.endpoint });
    const { port } = new URL(proxy.endpoint);
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    // Promises 100 bytes of body, sends 10, and hangs up.
    socket.write('POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n0123456789');
    socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    await through(proxy).send(new PutCommand({ TableName, Item: { pk: 'after' } }));
    expect(proxy.requests.get('PutItem')).toBe(1);
  });

  it('passes requests through and counts them by operation', async () => {
    const TableName = await createTable(dynamodb, 'proxy');
    proxy = await startFaultProxy({ target: stack.dynamodb.endpoint });
    const client = through(proxy);
    await client.send(new PutCommand({ TableName, Item: { pk: 'a', n: 1 } }));
    const { Item } = await client.send(new GetCommand({ TableName, Key: { pk: 'a' } }));
    expect(Item).toEqual({ pk: 'a', n: 1 });
    expect(Object.fromEntries(proxy.requests)).toEqual({ PutItem: 1, GetItem: 1 });
  });

  it('throttles what it is told to: the SDK sees ProvisionedThroughputExceededException, and its retry goes through', async () => {
    const TableName = await createTable(dynamodb, 'proxy');
    let calls = 0;
    proxy = await startFaultProxy({
      target: stack.dynamodb.endpoint,
      decide: () => (++calls === 1 ? 'throttle' : undefined),
    });
    // One attempt: the throttle reaches the caller, and nothing was written.
    await expect(
      through(proxy, 1).send(new PutCommand({ TableName, Item: { pk: 'a' } })),
    ).rejects.toBeInstanceOf(ProvisionedThroughputExceededException);
    expect(
      (await documents.send(new GetCommand({ TableName, Key: { pk: 'a' }, ConsistentRead: true }))).Item,
    ).toBeUndefined();
    // With the SDK's retries, a single throttle is absorbed.
    calls = 0;
    await through(proxy).send(new PutCommand({ TableName, Item: { pk: 'b' } }));
    expect(proxy.faults.throttle).toBe(2);
    expect(proxy.requests.get('PutItem')).toBe(3);
  });

  it("'unavailable' answers 500 InternalServerError to the requests it is told (by operation and body), writing nothing", async () => {
    const TableName = await createTable(dynamodb, 'proxy');
    const down = JSON.stringify(TableName);
    proxy = await startFaultProxy({
      target: stack.dynamodb.endpoint,
      decide: (_operation, body) =>
        body.includes(down) && body.includes('"down"') ? 'unavailable' : undefined,
    });
    const failure = await through(proxy, 2)
      .send(new PutCommand({ TableName, Item: { pk: 'down' } }))
      .catch((error: unknown) => error);
    // A server fault: the SDK retried it (2 attempts), then threw it, marked as the service's.
    expect(failure).toMatchObject({ name: 'InternalServerError', $fault: 'server' });
    expect(proxy.requests.get('PutItem')).toBe(2);
    await through(proxy).send(new PutCommand({ TableName, Item: { pk: 'up' } }));
    const read = async (pk: string) =>
      (await documents.send(new GetCommand({ TableName, Key: { pk }, ConsistentRead: true }))).Item;
    expect([await read('down'), await read('up')]).toEqual([undefined, { pk: 'up' }]);
    expect(proxy.faults.unavailable).toBe(2);
  });

  it("'hang-after' lets the write land and never answers; 'hang' neither writes nor answers", async () => {
    const TableName = await createTable(dynamodb, 'proxy');
    const plan: ('hang' | 'hang-after')[] = ['hang-after', 'hang'];
    proxy = await startFaultProxy({ target: stack.dynamodb.endpoint, decide: () => plan.shift() });
    const client = through(proxy, 1);
    for (const pk of ['landed', 'never']) {
      const abort = AbortSignal.timeout(500);
      await expect(
        client.send(new PutCommand({ TableName, Item: { pk } }), { abortSignal: abort }),
      ).rejects.toThrow();
    }
    const read = async (pk: string) =>
      (await documents.send(new GetCommand({ TableName, Key: { pk }, ConsistentRead: true }))).Item;
    expect(await read('landed')).toEqual({ pk: 'landed' });
    expect(await read('never')).toBeUndefined();
    expect(proxy.faults).toEqual({ throttle: 0, hang: 1, 'hang-after': 1, unavailable: 0, failedEntry: 0 });
  });
});

describe('faults injected by the SQS event source', () => {
  const fifoQueue = async (bodies = ['m']) => {
    const name = `${uniqueName('faults')}.fifo`;
    const { QueueUrl = '' } = await sqs.send(
      new CreateQueueCommand({ QueueName: name, Attributes: { FifoQueue: 'true', VisibilityTimeout: '1' } }),
    );
    for (const body of bodies) {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl,
          MessageBody: body,
          MessageGroupId: 'g',
          MessageDeduplicationId: body,
        }),
      );
    }
    return { queueUrl: QueueUrl, queueArn: `arn:aws:sqs:${stack.region}:000000000000:${name}` };
  };

  /** Runs until `until` holds (at most 8 s); returns every invocation's records and every batch report. */
  const run = async (
    faults: SqsEventSourceFaults,
    until: (reports: BatchReport[]) => boolean,
    bodies?: string[],
  ) => {
    const invocations: string[][] = [];
    const handles: string[][] = [];
    const reports: BatchReport[] = [];
    let active = 0;
    let maxActive = 0;
    const source = startSqsEventSource({
      client: sqs,
      ...(await fifoQueue(bodies)),
      maxConcurrency: 1,
      faults,
      handler: async (event: SQSEvent) => {
        active += 1;
        maxActive = Math.max(maxActive, active);
        invocations.push(event.Records.map((r) => r.body));
        handles.push(event.Records.map((r) => r.receiptHandle));
        await new Promise((resolve) => setTimeout(resolve, 50));
        active -= 1;
        return { batchItemFailures: [] };
      },
      onBatch: (report) => reports.push(report),
    });
    const deadline = Date.now() + 8_000;
    while (Date.now() < deadline && !until(reports)) await new Promise((r) => setTimeout(r, 50));
    await source.stop();
    return { invocations, handles, reports, maxActive };
  };

  it('crashAfterHandler: the handler ran, the response is lost, the record comes back and is then deleted', async () => {
    let crashes = 1;
    const { invocations, reports } = await run({ crashAfterHandler: () => crashes-- > 0 }, (r) =>
      r.some((report) => report.deleted === 1),
    );
    expect(reports.map((r) => r.outcome)).toEqual(['crash', 'ok']);
    expect(invocations).toEqual([['m'], ['m']]);
  });

  it('lateAck: a record that succeeded is not deleted, so SQS delivers it again', async () => {
    let late = 1;
    const { reports } = await run({ lateAck: () => late-- > 0 }, (r) =>
      r.some((report) => report.deleted === 1),
    );
    expect(reports.map((r) => [r.outcome, r.deleted])).toEqual([
      ['ok', 0],
      ['ok', 1],
    ]);
  });

  it('duplicateDelivery: a second invocation gets the same record at the same time, and deletes nothing', async () => {
    let duplicates = 1;
    const { invocations, handles, reports, maxActive } = await run(
      { duplicateDelivery: () => duplicates-- > 0 },
      (r) => r.length > 0,
    );
    expect(invocations).toEqual([['m'], ['m']]);
    // Each delivery has its own receipt handle: the second cannot delete or hide the first's message.
    expect(new Set(handles.flat()).size).toBe(2);
    expect(maxActive).toBe(2);
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ outcome: 'ok', deleted: 1 });
  });

  it('duplicateDelivery on a FIFO queue: the second invocation holds the group from its first record up to the chosen one, in order', async () => {
    const { invocations, reports } = await run(
      { duplicateDelivery: (record) => record.body === 'm3' },
      (r) => r.length > 0,
      ['m1', 'm2', 'm3', 'm4'],
    );
    expect(invocations).toEqual([
      ['m1', 'm2', 'm3'],
      ['m1', 'm2', 'm3', 'm4'],
    ]);
    expect(reports[0]).toMatchObject({ outcome: 'ok', deleted: 4 });
  });
});
