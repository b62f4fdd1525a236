import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { LocalQueue } from '../../../lib/local/index.ts';
import { checkGroundTruth } from '../../../lib/verify/check.ts';
import type { ScenarioContext } from '../../../lib/verify/scenario.ts';
import { planOf } from '../../../lib/verify/workload.ts';

// Attacks on verify's ground truth: a consumer's own reordering must not be put on the DLQ.

const sqs = mockClient(SQSClient);
beforeEach(() => {
  sqs.reset();
  // The replay emptied the DLQ.
  sqs.on(ReceiveMessageCommand).resolves({ Messages: [] });
});

const queue = (name: string, attributes: Record<string, string> = {}): LocalQueue => ({
  logicalId: name,
  name,
  url: `http://127.0.0.1:1/000000000000/${name}`,
  arn: `arn:aws:sqs:us-east-1:000000000000:${name}`,
  attributes,
});
const dlq = queue('orders-dlq.fifo');
const driven = queue('orders.fifo', {
  RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 3 }),
});
const planned = [1, 2, 3].map((seq) => ({
  key: `k${seq}`,
  group: 'g',
  seq,
  resend: false,
}));
const plan = planOf(planned);
const ids = new Map(planned.map((_, i) => [`m${i + 1}`, i]));
const sent = { messages: 3, resent: 0, indexOfMessage: (id: string) => ids.get(id) };
const applied =
  (...keys: string[]) =>
  (i: number) =>
    keys.includes(planned[i]!.key);
const context = {
  deployment: { queues: [driven, dlq] },
  sqs: new SQSClient({}),
} as unknown as ScenarioContext;
// Every key applied once, k2 after k3.
const scenario = {
  effects: async () => new Map(planned.map((m) => [m.key, 1])),
  order: async () => new Map([['g', ['k1', 'k3', 'k2']]]),
};

describe('ground-truth attribution', () => {
  it("an unfenced late commit applied after its successors, then replayed from the DLQ (a duplicate), is the consumer's reordering, not the DLQ's", async () => {
    // --late --unfenced --replay: k2's late invocation found it redriven and committed anyway,
    // after k3; the replay then sent k2 back and it was suppressed as a duplicate.
    const truth = await checkGroundTruth({
      context,
      scenario,
      driven,
      plan,
      sent,
      startedLate: new Set(['m2']),
      replayed: new Set([1]),
      appliedBeforeReplay: applied('k1', 'k2', 'k3'),
    });
    expect(truth.orderViolations).toBe(1);
    expect(truth.reorderedKeys).toEqual([]);
  });

  it('a key the replay applied after its successors is the DLQ reordering (the control)', async () => {
    const truth = await checkGroundTruth({
      context,
      scenario,
      driven,
      plan,
      sent,
      replayed: new Set([1]),
      appliedBeforeReplay: applied('k1', 'k3'),
    });
    expect(truth.orderViolations).toBe(0);
    expect(truth.reorderedKeys).toEqual(['k2']);
  });
});
