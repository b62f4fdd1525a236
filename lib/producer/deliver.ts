import type { SendFailure } from './errors.ts';
import { type PreparedMessage, toBatches } from './message.ts';

/** What SQS said about one entry of a `SendMessageBatch` call. */
export type EntryOutcome = { ok: true; messageId: string } | { ok: false; failure: SendFailure };

export type DeliveryPlan = {
  /** Sends one call's entries; one outcome per entry, in entry order. */
  sendBatch: (batch: readonly PreparedMessage[]) => Promise<EntryOutcome[]>;
  /**
   * The lane a message travels in: one message of a lane is in flight at a time, and a later
   * one goes only once the one before it was accepted. `undefined`: a lane of its own.
   */
  laneOf: (message: PreparedMessage) => string | undefined;
  maxAttempts: number;
  retry: { baseDelayMs: number; maxDelayMs: number; maxElapsedMs: number };
  random: () => number;
};

/** The code of a message not sent because an earlier message of its ordering key was not accepted. */
export const PRECEDING_MESSAGE_NOT_SENT = 'PrecedingMessageNotSent';

type Lane = { messages: PreparedMessage[]; attempts: number; firstTriedAt: number; notBefore: number };

/**
 * Sends `messages` lane by lane, retrying what SQS did not accept with exponential backoff and
 * full jitter, and never sending a message of a lane while an earlier one is unaccepted.
 *
 * Why one message per lane per call: the SendMessageBatch reference says a FIFO queue enqueues
 * a batch's entries in the order sent and reports each result on its own
 * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessageBatch.html);
 * it does not say that a failed entry fails the later entries of its group. So two entries of a
 * group in one call can be enqueued as [2] with [1] failed, and nothing can take [2] back.
 * Calls still carry up to 10 entries, from 10 different lanes.
 */
export const deliver = async (
  messages: readonly PreparedMessage[],
  plan: DeliveryPlan,
): Promise<{ sent: { message: PreparedMessage; messageId: string }[]; failed: SendFailure[] }> => {
  const lanes: Lane[] = [];
  const byName = new Map<string, Lane>();
  for (const message of messages) {
    const name = plan.laneOf(message);
    const lane = name === undefined ? undefined : byName.get(name);
    if (lane) lane.messages.push(message);
    else {
      const created = { messages: [message], attempts: 0, firstTriedAt: 0, notBefore: 0 };
      lanes.push(created);
      if (name !== undefined) byName.set(name, created);
    }
  }
  const sent: { message: PreparedMessage; messageId: string }[] = [];
  const failed: SendFailure[] = [];
  const giveUp = (lane: Lane, failure: SendFailure) => {
    failed.push(failure);
    for (const later of lane.messages.slice(1)) {
      failed.push({
        id: later.id,
        code: PRECEDING_MESSAGE_NOT_SENT,
        reason: `held back: ${failure.id}, before it with the same ordering key, was not sent`,
        senderFault: false,
      });
    }
    lane.messages = [];
  };

  while (lanes.some((lane) => lane.messages.length > 0)) {
    const waiting = lanes.filter((lane) => lane.messages.length > 0);
    const now = Date.now();
    let ready = waiting.filter((lane) => lane.notBefore <= now);
    if (ready.length === 0) {
      const wake = Math.min(...waiting.map((lane) => lane.notBefore));
      await new Promise((resolve) => setTimeout(resolve, wake - now));
      ready = waiting.filter((lane) => lane.notBefore <= wake);
    }
    const laneOfHead = new Map(ready.map((lane) => [lane.messages[0]!, lane]));
    for (const batch of toBatches([...laneOfHead.keys()])) {
      for (const message of batch) laneOfHead.get(message)!.firstTriedAt ||= Date.now();
      const outcomes = await plan.sendBatch(batch);
      for (const [i, message] of batch.entries()) {
        const lane = laneOfHead.get(message)!;
        const outcome = outcomes[i]!;
        if (outcome.ok) {
          sent.push({ message, messageId: outcome.messageId });
          lane.messages.shift();
          lane.attempts = 0;
          lane.firstTriedAt = 0;
          continue;
        }
        if (outcome.failure.senderFault) {
          giveUp(lane, outcome.failure);
          continue;
        }
        lane.attempts += 1;
        // Full jitter: a random wait up to the exponential bound, so retrying producers spread out.
        const delay =
          plan.random() * Math.min(plan.retry.maxDelayMs, plan.retry.baseDelayMs * 2 ** (lane.attempts - 1));
        const elapsed = Date.now() - lane.firstTriedAt;
        if (lane.attempts >= plan.maxAttempts || elapsed + delay > plan.retry.maxElapsedMs) {
          giveUp(lane, outcome.failure);
        } else lane.notBefore = Date.now() + delay;
      }
    }
  }
  return { sent, failed };
};
