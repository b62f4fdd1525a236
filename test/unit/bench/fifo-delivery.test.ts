import { describe, expect, it } from 'vitest';
import { deliver, fifoQueue, type QueuedMessage, sendRequestsFor } from '../../../bench/fifo-delivery.ts';

const messages = (groups: string[]): QueuedMessage[] =>
  groups.map((groupId, i) => ({
    messageId: `m${i}`,
    groupId,
    body: JSON.stringify({ i }),
    sequenceNumber: String(i + 1),
    sentTimestamp: 0,
    receiveCount: 0,
  }));
const ids = (batch: QueuedMessage[]) => batch.map((m) => m.messageId);

describe('fifoQueue (SQS shape)', () => {
  it('hands out ten messages of one group in one receive, in order, and nothing more of it while they are in flight', () => {
    const queue = fifoQueue(messages(Array(12).fill('a')));
    const first = queue.receive(10);
    expect(ids(first)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8', 'm9']);
    expect(queue.receive(10)).toEqual([]);
    queue.settle(first, new Set());
    expect(ids(queue.receive(10))).toEqual(['m10', 'm11']);
  });

  it('fills a receive from one group first, then from the next available one', () => {
    const queue = fifoQueue(messages(['a', 'b', 'a', 'b', 'a', 'c']));
    expect(ids(queue.receive(4))).toEqual(['m0', 'm2', 'm4', 'm1']);
    expect(ids(queue.receive(4))).toEqual(['m5']); // a and b are in flight
  });

  it('puts failed messages back at the head of their group, in order', () => {
    const queue = fifoQueue(messages(['a', 'a', 'a', 'a']));
    const batch = queue.receive(2);
    queue.settle(batch, new Set(['m1']));
    const again = queue.receive(10);
    expect(ids(again)).toEqual(['m1', 'm2', 'm3']);
    expect(again[0]!.receiveCount).toBe(2);
  });

  it('forms the fauxqs 2.4.1 shape on request: one message per group per receive', () => {
    const queue = fifoQueue(messages(['a', 'a', 'b', 'b']), 'one-per-group');
    expect(ids(queue.receive(10))).toEqual(['m0', 'm2']);
  });
});

describe('deliver', () => {
  it('keeps one batch of a group in flight at a time, honours partial batch responses and redelivers what failed', async () => {
    let inFlight = 0;
    let most = 0;
    const seen: string[] = [];
    let failedOnce = false;
    const stats = await deliver({
      queue: fifoQueue(messages(Array(25).fill('a'))),
      concurrency: 10,
      handler: async (event) => {
        most = Math.max(most, ++inFlight);
        await new Promise((resolve) => setTimeout(resolve, 2));
        inFlight -= 1;
        const ids = event.Records.map((r) => r.messageId);
        if (!failedOnce && ids.includes('m13')) {
          failedOnce = true;
          const from = ids.indexOf('m13');
          seen.push(...ids.slice(0, from));
          return { batchItemFailures: ids.slice(from).map((itemIdentifier) => ({ itemIdentifier })) };
        }
        seen.push(...ids);
        return { batchItemFailures: [] };
      },
    });
    expect(most).toBe(1);
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => `m${i}`));
    expect(stats).toMatchObject({
      records: 32,
      retried: 7,
      invocations: 4,
      receiveRequests: 4,
      deleteRequests: 4,
    });
  });

  it('fails the whole batch when the handler throws', async () => {
    let calls = 0;
    const stats = await deliver({
      queue: fifoQueue(messages(['a', 'a'])),
      handler: async () => {
        if (++calls === 1) throw new Error('boom');
        return {};
      },
    });
    expect(stats).toMatchObject({ invocations: 2, retried: 2, deleteRequests: 1 });
  });
});

it('bills a SendMessageBatch of up to 10 messages as one request per 64 KB of payload', () => {
  const small = messages(Array(25).fill('a'));
  expect(sendRequestsFor(small)).toBe(3);
  const large = small.slice(0, 10).map((m) => ({ ...m, body: 'x'.repeat(10_000) }));
  expect(sendRequestsFor(large)).toBe(2); // 100,000 bytes = two 64 KB chunks
});
