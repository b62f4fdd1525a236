import { SendMessageBatchCommand, SQSClient, SQSServiceException } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../lib/errors.ts';
import { createReliabilityMetrics, memorySink } from '../../../lib/metrics/index.ts';
import { MessageRejectedError, SendFailedError } from '../../../lib/producer/errors.ts';
import { createProducer, memorySequenceCounter, ProducerAttribute } from '../../../lib/producer/index.ts';

const FIFO_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/orders.fifo';
const STANDARD_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/events';
const sqs = mockClient(SQSClient);
beforeEach(() => sqs.reset());

/** Answers each SendMessageBatch by failing the entries whose body is in `failing` (once each unless `always`). */
const failEntries = (failing: Set<string>, options: { senderFault?: boolean; always?: boolean } = {}) =>
  sqs.on(SendMessageBatchCommand).callsFake((input) => {
    const entries = input.Entries as { Id: string; MessageBody: string }[];
    const failed = entries.filter((e) => failing.has(e.MessageBody));
    if (!options.always) for (const e of failed) failing.delete(e.MessageBody);
    return {
      Successful: entries
        .filter((e) => !failed.includes(e))
        .map((e) => ({ Id: e.Id, MessageId: `sqs-${e.MessageBody}`, MD5OfMessageBody: '' })),
      Failed: failed.map((e) => ({
        Id: e.Id,
        Code: options.senderFault ? 'InvalidParameterValue' : 'InternalError',
        Message: 'entry failed',
        SenderFault: options.senderFault ?? false,
      })),
    };
  });

/** Answers every SendMessageBatch entry as sent. */
const acceptAll = () =>
  sqs.on(SendMessageBatchCommand).callsFake((input) => ({
    Successful: (input.Entries as { Id: string }[]).map((e) => ({
      Id: e.Id,
      MessageId: e.Id,
      MD5OfMessageBody: '',
    })),
    Failed: [],
  }));

const producer = (extra: Partial<Parameters<typeof createProducer>[0]> = {}) =>
  createProducer({
    queueUrl: FIFO_URL,
    client: new SQSClient({}),
    metrics: false,
    random: () => 0,
    ...extra,
  });
// One ordering key each: a FIFO call carries at most one message per key (see ordering.test.ts).
const tenOrders = () =>
  Array.from({ length: 10 }, (_, i) => ({
    id: `order-${i}`,
    orderingKey: `customer-${i}`,
    body: `b${i}`,
  }));
const entriesOf = (call: number) =>
  sqs.commandCalls(SendMessageBatchCommand)[call]?.args[0].input.Entries ?? [];

describe('createProducer', () => {
  it('retries exactly the 3 of 10 entries SQS failed, with the same bodies and deduplication ids', async () => {
    failEntries(new Set(['b2', 'b5', 'b7']));
    const result = await producer().send(tenOrders());

    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(2);
    expect(entriesOf(0)).toHaveLength(10);
    expect(entriesOf(1).map((e) => [e.MessageBody, e.MessageDeduplicationId, e.MessageGroupId])).toEqual([
      ['b2', 'order-2', 'customer-2'],
      ['b5', 'order-5', 'customer-5'],
      ['b7', 'order-7', 'customer-7'],
    ]);
    expect(result.failed).toEqual([]);
    expect(result.sent.map((s) => s.id).sort()).toEqual(
      tenOrders()
        .map((o) => o.id)
        .sort(),
    );
  });

  it('does not retry a sender fault, and reports it', async () => {
    failEntries(new Set(['b4']), { senderFault: true, always: true });
    const error = await producer()
      .send(tenOrders())
      .catch((e: unknown) => e);

    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(1);
    expect(error).toBeInstanceOf(SendFailedError);
    expect((error as SendFailedError).failures).toEqual([
      { id: 'order-4', code: 'InvalidParameterValue', reason: 'entry failed', senderFault: true },
    ]);
    expect((error as SendFailedError).sent).toHaveLength(9);
  });

  it('gives up after maxAttempts and lists what failed, or returns it with throwOnFailure: false', async () => {
    failEntries(new Set(['b1']), { always: true });
    const result = await producer({ throwOnFailure: false, retry: { maxAttempts: 3 } }).send(
      tenOrders().slice(0, 2),
    );
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(3);
    expect(result.failed).toEqual([
      { id: 'order-1', code: 'InternalError', reason: 'entry failed', senderFault: false },
    ]);
    expect(result.sent.map((s) => s.id)).toEqual(['order-0']);
  });

  it('retries a throttled call but not an access-denied one', async () => {
    const throttled = new SQSServiceException({
      name: 'RequestThrottled',
      $fault: 'client',
      $metadata: {},
      message: 'slow down',
    });
    sqs
      .on(SendMessageBatchCommand)
      .rejectsOnce(throttled)
      .resolves({ Successful: [{ Id: '0', MessageId: 'm', MD5OfMessageBody: '' }], Failed: [] });
    await producer().send({ id: 'a', orderingKey: 'k', body: 'x' });
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(2);

    sqs.reset();
    const denied = new SQSServiceException({
      name: 'AccessDenied',
      $fault: 'client',
      $metadata: {},
      message: 'no',
    });
    sqs.on(SendMessageBatchCommand).rejects(denied);
    await expect(producer().send({ id: 'a', orderingKey: 'k', body: 'x' })).rejects.toBeInstanceOf(
      SendFailedError,
    );
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(1);
  });

  it('at-most-once tries once and reports what failed', async () => {
    failEntries(new Set(['b0']));
    const result = await producer({ mode: 'at-most-once', throwOnFailure: false }).send(
      tenOrders().slice(0, 1),
    );
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(1);
    expect(result.failed.map((f) => f.id)).toEqual(['order-0']);
  });

  it('backs off with full jitter, bounded by maxDelayMs', async () => {
    const waits: number[] = [];
    const realSetTimeout = globalThis.setTimeout;
    globalThis.setTimeout = ((fn: () => void, ms: number) => {
      waits.push(ms);
      return realSetTimeout(fn, 0);
    }) as typeof setTimeout;
    try {
      failEntries(new Set(['b0']), { always: true });
      await producer({
        random: () => 0.5,
        throwOnFailure: false,
        retry: { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 300 },
      }).send(tenOrders().slice(0, 1));
    } finally {
      globalThis.setTimeout = realSetTimeout;
    }
    // Each wait is the jittered bound less the few milliseconds spent since it was drawn.
    expect(waits).toHaveLength(4);
    for (const [i, bound] of [50, 100, 150, 150].entries()) {
      expect(waits[i]).toBeGreaterThan(bound - 5);
      expect(waits[i]).toBeLessThanOrEqual(bound);
    }
  });

  it('splits into batches of at most 10 entries and 1 MiB', async () => {
    acceptAll();
    const big = 'x'.repeat(300_000);
    await producer().send(
      Array.from({ length: 5 }, (_, i) => ({ id: `big-${i}`, orderingKey: `k${i}`, body: big })),
    );
    await producer().send(
      Array.from({ length: 25 }, (_, i) => ({ id: `small-${i}`, orderingKey: `k${i}`, body: 's' })),
    );
    // A standard queue keeps no order, so one key's messages share calls.
    await producer({ queueUrl: STANDARD_URL }).send(
      Array.from({ length: 12 }, (_, i) => ({ id: `std-${i}`, orderingKey: 'k', body: 's' })),
    );
    expect(sqs.commandCalls(SendMessageBatchCommand).map((c) => c.args[0].input.Entries?.length)).toEqual([
      3, 2, 10, 10, 5, 10, 2,
    ]);
  });

  it('rejects an oversized message up front, sending nothing', async () => {
    const messages = [
      { id: 'ok', orderingKey: 'k', body: 'fine' },
      { id: 'huge', orderingKey: 'k', body: 'x'.repeat(1_048_577) },
    ];
    const error = await producer()
      .send(messages)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MessageRejectedError);
    expect((error as MessageRejectedError).messageId).toBe('huge');
    expect((error as Error).message).toMatch(/1048577 bytes .* at most 1048576/);
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(0);
  });

  it('FIFO: a message without orderingKey is rejected with a clear error', async () => {
    await expect(producer().send({ body: 'x' })).rejects.toThrow(/needs an `orderingKey` on a FIFO queue/);
  });

  it('hashes an id that is not a valid deduplication id, stably', async () => {
    sqs
      .on(SendMessageBatchCommand)
      .resolves({ Successful: [{ Id: '0', MessageId: 'm', MD5OfMessageBody: '' }], Failed: [] });
    const id = 'order with spaces and ünïcode';
    await producer().send({ id, orderingKey: 'k', body: 'x' });
    await producer().send({ id, orderingKey: 'k', body: 'x' });
    const [first, second] = [
      entriesOf(0)[0]?.MessageDeduplicationId,
      entriesOf(1)[0]?.MessageDeduplicationId,
    ];
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(second).toBe(first);
  });

  it('stamps per-key sequence numbers as message attributes', async () => {
    acceptAll();
    const p = createProducer({
      queueUrl: STANDARD_URL,
      client: new SQSClient({}),
      metrics: false,
      sequence: memorySequenceCounter(),
    });
    await p.send([
      { orderingKey: 'a', body: '1' },
      { orderingKey: 'b', body: '2' },
      { orderingKey: 'a', body: '3' },
    ]);
    const result = await p.send({ orderingKey: 'a', body: '4' });
    const stamped = [...entriesOf(0), ...entriesOf(1)].map((e) => [
      e.MessageBody,
      e.MessageAttributes?.[ProducerAttribute.OrderingKey]?.StringValue,
      e.MessageAttributes?.[ProducerAttribute.Sequence]?.StringValue,
    ]);
    expect(stamped).toEqual([
      ['1', 'a', '1'],
      ['2', 'b', '1'],
      ['3', 'a', '2'],
      ['4', 'a', '3'],
    ]);
    expect(result.sent[0]?.sequence).toBe(3);
  });

  it('counts MessagesSent and SendFailures', async () => {
    failEntries(new Set(['b1']), { senderFault: true, always: true });
    const sink = memorySink();
    const metrics = createReliabilityMetrics({ sink });
    await producer({ metrics, throwOnFailure: false }).send(tenOrders().slice(0, 3));
    metrics.flush();
    expect(sink.totals({ Queue: 'orders.fifo' })).toMatchObject({ MessagesSent: 2, SendFailures: 1 });
  });

  it('rejects bad options and duplicate ids', async () => {
    expect(() => createProducer({ queueUrl: 'orders' })).toThrow(ConfigurationError);
    expect(() => createProducer({ queueUrl: FIFO_URL, mode: 'exactly' as never })).toThrow(/`mode` must be/);
    await expect(
      producer().send([
        { id: 'x', orderingKey: 'k', body: 1 },
        { id: 'x', orderingKey: 'k', body: 2 },
      ]),
    ).rejects.toThrow(/share the id x/);
  });
});
