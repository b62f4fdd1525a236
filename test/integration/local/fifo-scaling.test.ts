import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { startSqsEventSource } from '../../../lib/local/index.ts';
import { createFifoQueue, localClients, messagesIn } from '../../support/local.ts';

// Lambda's SQS event source mapping on a FIFO queue: concurrent invocations up to the number of
// message groups or the maximum concurrency, whichever is lower, each batch in group order.
// https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html

const { sqs } = localClients();

const fill = async (queueUrl: string, groups: number, perGroup: number) => {
  for (let n = 1; n <= perGroup; n++) {
    for (let g = 0; g < groups; g += 10) {
      await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: Array.from({ length: Math.min(10, groups - g) }, (_, i) => ({
            Id: `g${g + i}`,
            MessageBody: JSON.stringify({ group: `g${g + i}`, n }),
            MessageGroupId: `g${g + i}`,
            MessageDeduplicationId: `g${g + i}-${n}`,
          })),
        }),
      );
    }
  }
};

/**
 * Runs the event source over `groups` × `perGroup` messages. Each invocation holds until `expected`
 * invocations run at once (or `holdMs` pass), so the peak shows how far the source scales.
 */
const run = async (options: {
  groups: number;
  perGroup: number;
  maxConcurrency: number;
  expected: number;
  holdMs: number;
}) => {
  const queueUrl = await createFifoQueue(sqs, 'scaling');
  await fill(queueUrl, options.groups, options.perGroup);
  let running = 0;
  let peak = 0;
  const groupsInFlight = new Set<string>();
  const overlaps: string[] = [];
  const batches: { group: string; n: number }[][] = [];
  const waiters: (() => void)[] = [];
  const handler = async (event: SQSEvent) => {
    const records = event.Records.map((r) => JSON.parse(r.body) as { group: string; n: number });
    const groups = new Set(records.map((r) => r.group));
    for (const group of groups) {
      if (groupsInFlight.has(group)) overlaps.push(group);
      groupsInFlight.add(group);
    }
    batches.push(records);
    running++;
    peak = Math.max(peak, running);
    if (running >= options.expected) for (const wake of waiters.splice(0)) wake();
    else
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, options.holdMs);
      });
    running--;
    for (const group of groups) groupsInFlight.delete(group);
    return { batchItemFailures: [] };
  };
  // No onBatch: the source must run batches nobody observes.
  const source = startSqsEventSource({
    client: sqs,
    queueUrl,
    queueArn: 'arn:aws:sqs:us-east-1:000000000000:scaling.fifo',
    handler,
    maxConcurrency: options.maxConcurrency,
    waitTimeSeconds: 1,
  });
  for (let i = 0; i < 600 && (await messagesIn(sqs, queueUrl)) > 0; i++)
    await new Promise((r) => setTimeout(r, 100));
  await source.stop();
  return { peak, overlaps, batches };
};

describe('the local SQS event source scales on a FIFO queue as Lambda does', () => {
  it('runs as many batches at once as there are groups, when the maximum concurrency allows more', async () => {
    const { peak, overlaps, batches } = await run({
      groups: 3,
      perGroup: 20,
      maxConcurrency: 10,
      expected: 3,
      holdMs: 3_000,
    });
    expect(peak).toBe(3);
    expect(overlaps, 'a group was in two batches at once').toEqual([]);
    // Each batch holds its groups' records consecutively and in send order; every record ran once, in order.
    const seen = new Map<string, number[]>();
    for (const batch of batches) {
      for (const { group, n } of batch) seen.set(group, [...(seen.get(group) ?? []), n]);
    }
    for (const group of ['g0', 'g1', 'g2']) {
      expect(seen.get(group)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    }
    expect(batches.filter((batch) => batch.length === 10).length).toBeGreaterThanOrEqual(3);
  }, 90_000);

  it('runs no more batches at once than the maximum concurrency, with more groups than that', async () => {
    const { peak, overlaps, batches } = await run({
      groups: 6,
      perGroup: 10,
      maxConcurrency: 2,
      expected: 3,
      holdMs: 500,
    });
    expect(peak).toBe(2);
    expect(overlaps).toEqual([]);
    expect(batches.flat()).toHaveLength(60);
  }, 90_000);
});
