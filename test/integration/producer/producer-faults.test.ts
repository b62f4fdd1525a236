import { SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { localClientConfig, startFaultProxy } from '../../../lib/local/index.ts';
import { createProducer, type ProducerOptions } from '../../../lib/producer/index.ts';
import { withUnorderedRetries } from '../../../lib/producer/unordered-retries.ts';
import { createFifoQueue, localClients } from '../../support/local.ts';
import { receiveByKey } from './support.ts';

const { stack, sqs } = localClients();
const KEYS = 10;
const PER_KEY = 100;
const messages = Array.from({ length: KEYS * PER_KEY }, (_, i) => {
  const key = `k${i % KEYS}`;
  const n = Math.floor(i / KEYS) + 1;
  return { id: `${key}-${n}`, orderingKey: key, body: JSON.stringify({ key, n }) };
});

/** A seeded generator (LCG), so a failing run replays. */
const seeded = (seed: number) => {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
};

// Through the fault proxy in front of the local SQS: 10% of SendMessageBatch calls throttled
// whole, 10% of entries failed on their own (InternalError, not the sender's fault). The client
// makes one attempt, so every throttle reaches the producer as if the SDK's retries ran out.
const sendUnderFaults = async (wrap: (options: ProducerOptions) => ProducerOptions) => {
  const queueUrl = await createFifoQueue(sqs, 'producer-faults');
  const random = seeded(42);
  const proxy = await startFaultProxy({
    target: stack.sqs.endpoint,
    decide: (operation) => (operation === 'SendMessageBatch' && random() < 0.1 ? 'throttle' : undefined),
    failEntry: () => random() < 0.1,
  });
  try {
    const client = new SQSClient({ ...localClientConfig(stack, proxy.endpoint), maxAttempts: 1 });
    const producer = createProducer(
      wrap({
        queueUrl,
        client,
        metrics: false,
        random: seeded(7),
        retry: { maxAttempts: 30, baseDelayMs: 5 },
      }),
    );
    const result = await producer.send(messages);
    return { result, faults: { ...proxy.faults }, received: await receiveByKey(sqs, queueUrl) };
  } finally {
    await proxy.stop();
  }
};

describe('producer through the fault proxy in front of the local SQS: seeded throttles and entry failures', () => {
  it('1,000 messages on 10 keys: every key complete, in order, nothing twice', async () => {
    const { result, faults, received } = await sendUnderFaults((options) => options);
    expect(faults.throttle).toBeGreaterThan(0);
    expect(faults.failedEntry).toBeGreaterThan(0);
    expect(result.failed).toEqual([]);
    const inOrder = Array.from({ length: PER_KEY }, (_, i) => i + 1);
    for (let k = 0; k < KEYS; k++) expect(received[`k${k}`]).toEqual(inOrder);
  }, 120_000);

  it('the same faults with the old retries (the proof’s mutation) reorder keys: the check above can fail', async () => {
    const { received } = await sendUnderFaults(withUnorderedRetries);
    const outOfOrder = Object.values(received).filter((ns) => ns.some((n, i) => i > 0 && n < ns[i - 1]!));
    expect(outOfOrder.length).toBeGreaterThan(0);
  }, 120_000);
});
