import { createHash } from 'node:crypto';
import type { Context, SQSEvent } from 'aws-lambda';
import { failedIdsOf, toLambdaRecord } from '../lib/local/index.ts';
import { localLambdaContext } from '../lib/local/lambda-context.ts';

/** A message waiting in a FIFO queue. */
export type QueuedMessage = {
  messageId: string;
  groupId: string;
  body: string;
  sequenceNumber: string;
  sentTimestamp: number;
  receiveCount: number;
};

/**
 * How receives are filled. `'sqs'`: as many messages of one available group as fit, then the
 * next group — "Amazon SQS first attempts to return as many messages with the same message group
 * ID as possible" (SQS developer guide, FIFO delivery logic:
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/FIFO-queues-understanding-logic.html).
 * `'one-per-group'`: one message per group per receive, the shape of the fauxqs 2.4.1 emulator.
 */
export type BatchShape = 'sqs' | 'one-per-group';

/** Groups in round-robin order; a group with messages in flight is not handed out again until they settle. */
export const fifoQueue = (messages: readonly QueuedMessage[], shape: BatchShape = 'sqs') => {
  const groups = new Map<string, QueuedMessage[]>();
  for (const message of messages) {
    const queue = groups.get(message.groupId) ?? [];
    queue.push(message);
    groups.set(message.groupId, queue);
  }
  const locked = new Set<string>();
  return {
    receive(max = 10): QueuedMessage[] {
      const batch: QueuedMessage[] = [];
      for (const [groupId, queue] of groups) {
        if (batch.length >= max) break;
        if (locked.has(groupId) || queue.length === 0) continue;
        batch.push(...queue.splice(0, shape === 'sqs' ? max - batch.length : 1));
        locked.add(groupId);
      }
      for (const message of batch) message.receiveCount += 1;
      return batch;
    },
    /** Deletes what succeeded; failed messages go back to the head of their group, in order. */
    settle(batch: readonly QueuedMessage[], failedIds: ReadonlySet<string>): void {
      const returned = batch.filter((message) => failedIds.has(message.messageId));
      for (const groupId of new Set(batch.map((message) => message.groupId))) {
        const queue = groups.get(groupId)!;
        queue.unshift(...returned.filter((message) => message.groupId === groupId));
        // The group goes to the back of the round, so the next receive starts with another group.
        groups.delete(groupId);
        groups.set(groupId, queue);
        locked.delete(groupId);
      }
    },
    get waiting(): number {
      let count = 0;
      for (const queue of groups.values()) count += queue.length;
      return count;
    },
  };
};

export type FifoQueue = ReturnType<typeof fifoQueue>;

// Each 64 KB chunk of a request's payload is billed as one request (SQS pricing, https://aws.amazon.com/sqs/pricing/).
const billedRequests = (bodies: readonly string[]) =>
  Math.max(1, Math.ceil(bodies.reduce((bytes, body) => bytes + Buffer.byteLength(body), 0) / 65_536));

/** The SendMessageBatch requests of a producer that sends the messages in order, 10 per request (SQS's batch limit). */
export const sendRequestsFor = (messages: readonly QueuedMessage[]): number => {
  let requests = 0;
  for (let i = 0; i < messages.length; i += 10)
    requests += billedRequests(messages.slice(i, i + 10).map((message) => message.body));
  return requests;
};

export type DeliveryStats = {
  invocations: number;
  /** Sum of the handler's wall time over all invocations, in milliseconds (what Lambda bills). */
  handlerMs: number;
  /** Billed SQS requests: one ReceiveMessage and one DeleteMessageBatch per non-empty batch. */
  receiveRequests: number;
  deleteRequests: number;
  records: number;
  retried: number;
  seconds: number;
};

export type DeliveryOptions = {
  queue: FifoQueue;
  handler: (event: SQSEvent, context: Context) => Promise<unknown>;
  /** Batches in flight at once: Lambda's FIFO scaling stops at the number of groups with messages ready. @default 10 */
  concurrency?: number;
  /** @default 10 */
  batchSize?: number;
  queueArn?: string;
  /** @default 60_000 */
  timeoutMs?: number;
  /** The run gives up after this much time, reporting what it delivered. @default 300_000 */
  maxSeconds?: number;
};

/**
 * Invokes `handler` as Lambda's SQS event source mapping does on a FIFO queue, in process: up to
 * `concurrency` batches in flight — "for FIFO queues, concurrent invocations are capped at the
 * number of message group IDs or the maximum concurrency setting, whichever is lower"
 * (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html), which the queue's group
 * locks give here —, partial batch responses honoured, a thrown error failing the whole batch.
 * Receives and deletes take no time here, for every contender alike.
 */
export const deliver = async (options: DeliveryOptions): Promise<DeliveryStats> => {
  const { queue, handler } = options;
  const queueArn = options.queueArn ?? 'arn:aws:sqs:us-east-1:000000000000:bench.fifo';
  const timeoutMs = options.timeoutMs ?? 60_000;
  const stats: DeliveryStats = {
    invocations: 0,
    handlerMs: 0,
    receiveRequests: 0,
    deleteRequests: 0,
    records: 0,
    retried: 0,
    seconds: 0,
  };
  const started = performance.now();
  const deadline = started + (options.maxSeconds ?? 300) * 1000;
  let inFlight = 0;
  const waiting: (() => void)[] = [];
  const settled = () => new Promise<void>((resolve) => waiting.push(resolve));

  const invoke = async (batch: QueuedMessage[]) => {
    const records = batch.map((message) =>
      toLambdaRecord(
        {
          MessageId: message.messageId,
          ReceiptHandle: `${message.messageId}#${message.receiveCount}`,
          Body: message.body,
          MD5OfBody: createHash('md5').update(message.body).digest('hex'),
          Attributes: {
            ApproximateReceiveCount: String(message.receiveCount),
            SentTimestamp: String(message.sentTimestamp),
            SenderId: 'bench',
            ApproximateFirstReceiveTimestamp: String(message.sentTimestamp),
            MessageGroupId: message.groupId,
            MessageDeduplicationId: message.messageId,
            SequenceNumber: message.sequenceNumber,
          },
        },
        queueArn,
        'us-east-1',
      ),
    );
    const ids = new Set(records.map((record) => record.messageId));
    const context = localLambdaContext('bench', Date.now() + timeoutMs, `bench-${stats.invocations}`);
    const began = performance.now();
    let failed: ReadonlySet<string>;
    try {
      const reported = failedIdsOf(await handler({ Records: records }, context), ids);
      failed = reported === 'invalid' ? ids : reported;
    } catch {
      failed = ids;
    }
    stats.handlerMs += performance.now() - began;
    if (failed.size < batch.length) stats.deleteRequests += 1;
    stats.retried += failed.size;
    queue.settle(batch, failed);
  };

  const poller = async () => {
    while (performance.now() < deadline) {
      const batch = queue.receive(options.batchSize ?? 10);
      if (batch.length === 0) {
        if (inFlight === 0) return; // nothing waiting and nothing that could come back
        await settled();
        continue;
      }
      stats.invocations += 1;
      stats.receiveRequests += billedRequests(batch.map((message) => message.body));
      stats.records += batch.length;
      inFlight += 1;
      try {
        await invoke(batch);
      } finally {
        inFlight -= 1;
        for (const resume of waiting.splice(0)) resume();
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 10 }, () => poller()));
  stats.seconds = (performance.now() - started) / 1000;
  return stats;
};
