import { describe, expect, it } from 'vitest';
import { createProducer } from '../../../lib/producer/index.ts';
import { createFifoQueue, localClients } from '../../support/local.ts';
import { receiveByKey } from './support.ts';

const { sqs } = localClients();
const KEYS = 10;
const PER_KEY = 100;

describe('producer on the SQS emulator', () => {
  it('1,000 messages on 10 ordering keys arrive in per-key order; resending the same ids delivers nothing twice', async () => {
    const queueUrl = await createFifoQueue(sqs, 'producer');
    const producer = createProducer({ queueUrl, client: sqs, metrics: false });
    const messages = Array.from({ length: KEYS * PER_KEY }, (_, i) => {
      const key = `k${i % KEYS}`;
      const n = Math.floor(i / KEYS) + 1;
      return { id: `${key}-${n}`, orderingKey: key, body: { key, n } };
    });

    for (let i = 0; i < messages.length; i += 100) {
      const result = await producer.send(messages.slice(i, i + 100));
      expect(result.sent).toHaveLength(100);
    }
    // A producer that crashed before hearing back sends the same ids again: SQS drops them.
    for (let i = 0; i < messages.length; i += 100) await producer.send(messages.slice(i, i + 100));

    const received = await receiveByKey(sqs, queueUrl);

    const inOrder = Array.from({ length: PER_KEY }, (_, i) => i + 1);
    for (let k = 0; k < KEYS; k++) expect(received[`k${k}`]).toEqual(inOrder);
  }, 60_000);
});
