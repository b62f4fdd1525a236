import { PRECEDING_MESSAGE_NOT_SENT } from './deliver.ts';
import { MessageRejectedError, SendFailedError, type SendFailure } from './errors.ts';
import type { OutgoingMessage } from './message.ts';
import type { Producer } from './producer.ts';

/** What became of a relay batch's messages: sent, refused for good (with why), or to retry. */
export type RelayOutcome = { rejected: Map<string, string>; retry: Set<string> };

/**
 * Sends one stream batch's messages through the producer so that no entry takes the others
 * down. An entry the producer refuses before sending (`MessageRejectedError`: it validates a
 * whole call before sending any of it) or that SQS refuses as the sender's fault can never be
 * sent: it is set aside, and the messages of its key that the producer held back behind it go
 * again, in order. What failed otherwise is left for the stream to retry. Every round sets at
 * least one entry aside, so there are at most as many rounds as messages.
 */
export const relaySend = async (
  producer: Producer,
  messages: readonly OutgoingMessage[],
): Promise<RelayOutcome> => {
  const rejected = new Map<string, string>();
  const retry = new Set<string>();
  let pending = [...messages];
  for (let round = 0; pending.length > 0 && round <= messages.length; round++) {
    let failed: readonly SendFailure[];
    try {
      failed = (await producer.send(pending)).failed;
    } catch (error) {
      if (error instanceof MessageRejectedError && pending.some((m) => m.id === error.messageId)) {
        rejected.set(error.messageId, error.message);
        pending = pending.filter((m) => m.id !== error.messageId);
        continue;
      }
      if (!(error instanceof SendFailedError)) throw error;
      failed = error.failures;
    }
    const byId = new Map(failed.map((failure) => [failure.id, failure]));
    const keyOf = (id: string) => pending.find((m) => m.id === id)?.orderingKey;
    // The keys whose blocking message SQS refused for good: what it held back may go now.
    const unblocked = new Set(failed.filter((f) => f.senderFault).map((f) => keyOf(f.id)));
    const next: OutgoingMessage[] = [];
    for (const message of pending) {
      const failure = byId.get(message.id!);
      if (!failure) continue;
      if (failure.senderFault) rejected.set(message.id!, `${failure.code}: ${failure.reason}`);
      else if (failure.code === PRECEDING_MESSAGE_NOT_SENT && unblocked.has(message.orderingKey))
        next.push(message);
      else retry.add(message.id!);
    }
    pending = next;
  }
  return { rejected, retry };
};
