import type { Message, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { startSqsEventSource } from '../../../lib/local/index.ts';

// A standard queue that hands out the receives it is given, one per ReceiveMessage, then nothing;
// its redrive policy moves a message to the DLQ after 3 receives.
const scriptedQueue = (receives: Message[][]) => {
  const script = [...receives];
  const send = async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
    switch (command.constructor.name) {
      case 'ReceiveMessageCommand': {
        const next = script.shift();
        if (!next) await new Promise((resolve) => setTimeout(resolve, 20));
        return { Messages: next ?? [] };
      }
      case 'GetQueueAttributesCommand':
        return {
          Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: 'dlq', maxReceiveCount: 3 }) },
        };
      case 'DeleteMessageBatchCommand':
        return { Successful: (command.input.Entries as { Id: string }[]).map(({ Id }) => ({ Id })) };
      default:
        return {};
    }
  };
  return { send } as unknown as SQSClient;
};
const message = (id: string, receives: number): Message => ({
  MessageId: id,
  ReceiptHandle: `${id}-${receives}`,
  Body: id,
  Attributes: { ApproximateReceiveCount: String(receives) },
});

describe('a late invocation on a standard queue', () => {
  it('holds only its own records: another record received with them runs at once, and the late records start late on their last receive', async () => {
    // A is chosen to start late; each time it comes back, SQS hands it out with a fresh message.
    const client = scriptedQueue([
      [message('A', 1)],
      [message('B', 1), message('A', 2)],
      [message('C', 1), message('A', 3)],
    ]);
    const ran: string[][] = [];
    const startedLate: string[] = [];
    const source = startSqsEventSource({
      client,
      queueUrl: 'http://127.0.0.1:1/queue',
      queueArn: 'arn:aws:sqs:us-east-1:000000000000:queue',
      maxConcurrency: 1,
      handler: async (event) => {
        ran.push(event.Records.map((r) => r.messageId));
        return {};
      },
      faults: {
        lateStart: (event) => event.Records.some((r) => r.messageId === 'A'),
        startedLate: (records: readonly SQSRecord[]) => startedLate.push(...records.map((r) => r.messageId)),
      },
    });
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline && !ran.flat().includes('A')) await new Promise((r) => setTimeout(r, 20));
    await source.stop();
    // B and C were never the late invocation's: each ran on its first receive, not held for A.
    expect(ran.flat()).toContain('B');
    expect(ran.flat()).toContain('C');
    // A on its third (last) receive started late, so the run knows why SQS holds it in the DLQ.
    expect(startedLate).toContain('A');
    expect(ran.flat()).toContain('A');
  });
});
