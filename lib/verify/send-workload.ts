import type { Producer } from '../producer/index.ts';
import { DigestIndex } from './digest-index.ts';
import { digest53 } from './random.ts';
import type { SendableMessage, SentWorkload } from './workload.ts';

/**
 * Sends the messages through the producer in chunks, in order within each group. After each
 * chunk, the previous chunk's resend messages go again under a new id: SQS cannot deduplicate
 * them (as after its 5-minute window), so only the consumer can. Only two chunks are held at a
 * time, so a plan's `messages()` can be sent without holding every body.
 */
export const sendMessages = async (
  producer: Producer,
  messages: Iterable<SendableMessage>,
  onProgress: (sent: number) => void = () => {},
  chunkSize = 250,
  /** Awaited before each chunk: the caller holds the sending back while the queue is full enough. */
  ready: () => Promise<void> = async () => {},
): Promise<SentWorkload> => {
  // Message ids by digest, to the plan's place of their message: 53 bits stand for the id's 36 characters.
  const byMessageId = new DigestIndex();
  let count = 0;
  let resent = 0;
  const send = async (batch: { id: string; message: SendableMessage }[]) => {
    const { sent } = await producer.send(
      batch.map(({ id, message }) => ({
        id,
        orderingKey: message.group,
        body: message.body,
        ...(message.attributes ? { attributes: message.attributes } : {}),
        ...(message.delaySeconds === undefined ? {} : { delaySeconds: message.delaySeconds }),
      })),
    );
    const byId = new Map(batch.map(({ id, message }) => [id, message.index]));
    for (const { id, messageId } of sent) byMessageId.set(digest53(messageId), byId.get(id)!);
    count += sent.length;
    onProgress(count);
  };
  type Numbered = { i: number; message: SendableMessage };
  const again = (chunk: Numbered[]) =>
    chunk.filter(({ message }) => message.resend).map(({ i, message }) => ({ id: `m-${i}-resent`, message }));
  let previous: Numbered[] = [];
  let chunk: Numbered[] = [];
  const flush = async () => {
    await ready();
    await send(chunk.map(({ i, message }) => ({ id: `m-${i}`, message })));
    const resends = again(previous);
    if (resends.length > 0) await send(resends);
    resent += resends.length;
    previous = chunk;
    chunk = [];
  };
  let i = 0;
  for (const message of messages) {
    chunk.push({ i: i++, message });
    if (chunk.length === chunkSize) await flush();
  }
  if (chunk.length > 0) await flush();
  const last = again(previous);
  if (last.length > 0) await send(last);
  return {
    messages: count,
    resent: resent + last.length,
    indexOfMessage: (messageId) => byMessageId.get(digest53(messageId)),
  };
};
