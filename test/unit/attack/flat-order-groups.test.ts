import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { LocalQueue } from '../../../lib/local/index.ts';
import { checkGroundTruth } from '../../../lib/verify/check.ts';
import type { ScenarioContext } from '../../../lib/verify/scenario.ts';
import { planOf } from '../../../lib/verify/workload.ts';

// Attacks on order() given as entries: a group's keys split over two entries (a ledger kept as
// one item per page of a customer's orders, read a page at a time) must not hide a reordering
// or a repeat that spans the split. Before the change order() was a Map: a group came once.

const sqs = mockClient(SQSClient);
beforeEach(() => {
  sqs.reset();
  sqs.on(ReceiveMessageCommand).resolves({ Messages: [] });
});

const queue: LocalQueue = {
  logicalId: 'orders',
  name: 'orders.fifo',
  url: 'http://127.0.0.1:1/000000000000/orders.fifo',
  arn: 'arn:aws:sqs:us-east-1:000000000000:orders.fifo',
  attributes: {},
};
const planned = [1, 2, 3].map((seq) => ({ key: `k${seq}`, group: 'g', seq, resend: false }));
const context = { deployment: { queues: [queue] }, sqs: new SQSClient({}) } as unknown as ScenarioContext;
const truthOf = (order: () => AsyncIterable<readonly [string, readonly string[]]>) =>
  checkGroundTruth({
    context,
    scenario: { effects: async () => new Map(planned.map((m) => [m.key, 1])), order },
    driven: queue,
    plan: planOf(planned),
    sent: { messages: 3, resent: 0, indexOfMessage: () => undefined },
  });

describe('order() entries naming one group twice', () => {
  it('does not read as in order when k2 was applied after k3 across the two entries', async () => {
    async function* split() {
      yield ['g', ['k1', 'k3']] as const;
      yield ['g', ['k2']] as const;
    }
    const truth = await truthOf(split).then(
      (t) => t.orderViolations,
      (error: Error) => error.message,
    );
    // Either the violation is counted, or the scenario is told it gave the group twice: not 0.
    expect(truth).not.toBe(0);
  });

  it('does not read as no duplicate when k1 was appended to the ledger in both entries', async () => {
    async function* repeated() {
      yield ['g', ['k1', 'k2']] as const;
      yield ['g', ['k1', 'k3']] as const;
    }
    const truth = await truthOf(repeated).then(
      (t) => t.duplicateEffects,
      (error: Error) => error.message,
    );
    expect(truth).not.toBe(0);
  });
});
