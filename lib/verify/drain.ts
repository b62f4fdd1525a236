import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { LocalQueue } from '../local/index.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Messages visible, in flight or delayed in these queues. */
export const queuedIn = async (sqs: SQSClient, queues: readonly LocalQueue[]): Promise<number> => {
  let total = 0;
  for (const queue of queues) {
    const { Attributes = {} } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: ['All'] }),
    );
    total +=
      Number(Attributes.ApproximateNumberOfMessages ?? 0) +
      Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0) +
      Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0);
  }
  return total;
};

/**
 * Waits until the app is drained: nothing in flight, nothing queued, in flight or delayed in the
 * queues functions consume, and no work the scenario reports pending (an outbox not yet relayed)
 * — seen twice in a row, a second apart. Returns whether it drained within `timeoutMs`, and when
 * it was first seen idle (the end of the work).
 */
export const waitForDrain = async (input: {
  sqs: SQSClient;
  /** The queues some function consumes. */
  queues: readonly LocalQueue[];
  inFlight: () => number;
  pending: () => Promise<number>;
  timeoutMs: number;
}): Promise<{ drained: boolean; drainedAt: number }> => {
  const { sqs, queues, inFlight } = input;
  const deadline = Date.now() + input.timeoutMs;
  let drainedAt = Date.now();
  for (let quiet = 0; Date.now() < deadline; ) {
    await sleep(1_000);
    const checkedAt = Date.now();
    // The cheap checks first, the scenario's pending (it may scan a table) only once the queues
    // are empty: asked while consumers work, a scan of a large outbox slowed their writes until
    // their messages used up their receives. In flight again last, as a batch may have started.
    const idle =
      inFlight() === 0 &&
      (await queuedIn(sqs, queues)) === 0 &&
      (await input.pending()) === 0 &&
      inFlight() === 0;
    quiet = idle ? quiet + 1 : 0;
    if (quiet === 1) drainedAt = checkedAt;
    if (quiet >= 2) return { drained: true, drainedAt };
  }
  return { drained: false, drainedAt: Date.now() };
};
