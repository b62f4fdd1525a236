import { DeleteMessageBatchCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { createProducer } from '../../../lib/producer/index.ts';
import { createFifoQueue, localClients } from '../../support/local.ts';

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

    const received: Record<string, number[]> = {};
    let total = 0;
    let emptyReads = 0;
    for (let round = 0; round < 400 && emptyReads < 2; round++) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: total >= messages.length ? 1 : 0,
        }),
      );
      emptyReads = Messages.length === 0 ? emptyReads + 1 : 0;
      for (const message of Messages) {
        const { key, n } = JSON.parse(message.Body ?? '{}') as { key: string; n: number };
        received[key] = [...(received[key] ?? []), n];
        total++;
      }
      if (Messages.length > 0) {
        await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
          }),
        );
      }
    }

    expect(total).toBe(KEYS * PER_KEY);
    const inOrder = Array.from({ length: PER_KEY }, (_, i) => i + 1);
    for (let k = 0; k < KEYS; k++) expect(received[`k${k}`]).toEqual(inOrder);
  }, 60_000);
});
