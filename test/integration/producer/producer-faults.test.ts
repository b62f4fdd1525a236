import { SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { localClientConfig } from '../../../lib/local/index.ts';
import { createProducer, type ProducerOptions } from '../../../lib/producer/index.ts';
import { withUnorderedRetries } from '../../../lib/producer/unordered-retries.ts';
import { createFifoQueue, localClients } from '../../support/local.ts';
import { injectSendFaults, seeded } from './sqs-faults.ts';
import { receiveByKey } from './support.ts';

const { stack, sqs } = localClients();
const KEYS = 10;
const PER_KEY = 100;
const messages = Array.from({ length: KEYS * PER_KEY }, (_, i) => {
  const key = `k${i % KEYS}`;
  const n = Math.floor(i / KEYS) + 1;
  return { id: `${key}-${n}`, orderingKey: key, body: JSON.stringify({ key, n }) };
});

const sendUnderFaults = async (wrap: (options: ProducerOptions) => ProducerOptions) => {
  const queueUrl = await createFifoQueue(sqs, 'producer-faults');
  const client = new SQSClient(localClientConfig(stack, stack.sqs.endpoint));
  const injected = injectSendFaults(client, { throttle: 0.1, landedThenError: 0.05, entry: 0.1 }, seeded(42));
  const producer = createProducer(
    wrap({ queueUrl, client, metrics: false, random: seeded(7), retry: { maxAttempts: 30, baseDelayMs: 5 } }),
  );
  const result = await producer.send(messages);
  return { result, injected, received: await receiveByKey(sqs, queueUrl) };
};

describe('producer on the local SQS under seeded throttles and entry failures', () => {
  it('1,000 messages on 10 keys: every key complete, in order, nothing twice', async () => {
    const { result, injected, received } = await sendUnderFaults((options) => options);
    expect(injected.throttle).toBeGreaterThan(0);
    expect(injected.landedThenError).toBeGreaterThan(0);
    expect(injected.entry).toBeGreaterThan(0);
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
