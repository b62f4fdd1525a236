import { randomUUID } from 'node:crypto';
import { LocalStackStartError } from './errors.ts';

// fauxqs is the local SQS engine, but its FIFO receive (2.4.1, dist/sqs/sqsStore.js) takes ONE
// message per group and moves on, so a local batch never holds two records of a group. SQS does
// the opposite: "When you receive messages from a FIFO queue with multiple message group IDs,
// Amazon SQS first attempts to return as many messages with the same message group ID as
// possible", and a group with a message in flight goes to no other receiver until that message is
// deleted or visible again (SQS developer guide, FIFO delivery logic):
// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/FIFO-queues-understanding-logic.html
// fauxqs also puts expired in-flight messages back one by one at the FRONT of their group, which
// reverses a group that had several in flight. This file replaces, on each FIFO queue of a store we
// build, the three methods that hand out and take back FIFO messages. Everything else (send,
// deduplication, delete, attributes, long polling) stays fauxqs's. `assertFauxqsShape` checks that
// every internal relied on here still exists, so a fauxqs upgrade that moves them fails loudly.

type FauxMessage = {
  messageId: string;
  body: string;
  md5OfBody: string;
  messageAttributes: Record<string, unknown>;
  md5OfMessageAttributes?: string;
  messageGroupId?: string;
  /** Set by fauxqs on every FIFO send: 20 digits, zero-padded, so strings sort as numbers. */
  sequenceNumber?: string;
  approximateReceiveCount: number;
  approximateFirstReceiveTimestamp?: number;
  delayUntil?: number;
};
type InFlight = { message: FauxMessage; receiptHandle: string; visibilityDeadline: number };
type Received = {
  MessageId: string;
  ReceiptHandle: string;
  MD5OfBody: string;
  Body: string;
  MD5OfMessageAttributes?: string;
  MessageAttributes?: Record<string, unknown>;
};
type DeadLetterQueue = { enqueue(message: FauxMessage): void };

/** The parts of fauxqs's `SqsQueue` this adapter reads or replaces. */
export type FauxFifoQueue = {
  attributes: Record<string, string | undefined>;
  fifoMessages: Map<string, FauxMessage[]>;
  fifoDelayed: Map<string, FauxMessage[]>;
  fifoLockedGroups: Map<string, number>;
  inflightMessages: Map<string, InFlight>;
  isFifo(): boolean;
  dequeue(max: number, visibility?: number, dlq?: (arn: string) => DeadLetterQueue | undefined): Received[];
  dequeueFifo(
    max: number,
    visibility?: number,
    dlq?: (arn: string) => DeadLetterQueue | undefined,
  ): Received[];
  processTimers(): void;
  changeVisibility(receiptHandle: string, seconds: number): void;
  hasAvailableFifoMessages(): boolean;
  notifyWaiters(): void;
  enqueue(message: FauxMessage): void;
};

const MAPS = ['fifoMessages', 'fifoDelayed', 'fifoLockedGroups', 'inflightMessages'] as const;
const METHODS = [
  'isFifo',
  'dequeue',
  'dequeueFifo',
  'processTimers',
  'changeVisibility',
  'hasAvailableFifoMessages',
  'notifyWaiters',
  'enqueue',
] as const;

/** Throws unless `queue` has every fauxqs internal this adapter relies on, with the expected shape. */
export function assertFauxqsShape(queue: unknown): asserts queue is FauxFifoQueue {
  const q = queue as Record<string, unknown>;
  const missing = [
    ...MAPS.filter((name) => !(q[name] instanceof Map)),
    ...METHODS.filter((name) => typeof q[name] !== 'function'),
    ...(typeof q.attributes === 'object' && q.attributes !== null ? [] : ['attributes']),
    // A FIFO receive must go through the method replaced here.
    ...(typeof q.dequeue === 'function' && String(q.dequeue).includes('dequeueFifo')
      ? []
      : ['dequeue→dequeueFifo']),
  ];
  if (missing.length > 0) {
    throw new LocalStackStartError(
      `The installed fauxqs no longer has the FIFO internals reliable-events adapts (${missing.join(', ')}). ` +
        'Install the fauxqs version this package is tested against (its devDependencies).',
      'sqs',
      '',
    );
  }
}

const bySequence = (a: FauxMessage, b: FauxMessage) =>
  (a.sequenceNumber ?? '').localeCompare(b.sequenceNumber ?? '');

const unlock = (queue: FauxFifoQueue, groupId: string) => {
  const held = (queue.fifoLockedGroups.get(groupId) ?? 1) - 1;
  if (held > 0) queue.fifoLockedGroups.set(groupId, held);
  else queue.fifoLockedGroups.delete(groupId);
};

/** Puts messages back into their groups in send order, wherever they were taken from. */
const putBack = (queue: FauxFifoQueue, messages: FauxMessage[]) => {
  const touched = new Set<FauxMessage[]>();
  for (const message of messages) {
    const groupId = message.messageGroupId ?? '';
    const group = queue.fifoMessages.get(groupId) ?? [];
    group.push(message);
    queue.fifoMessages.set(groupId, group);
    touched.add(group);
  }
  for (const group of touched) group.sort(bySequence);
  // Long polls waiting on this queue look again (fauxqs wakes them all; each dequeues for itself).
  if (queue.hasAvailableFifoMessages()) queue.notifyWaiters();
};

function processTimers(this: FauxFifoQueue): void {
  const now = Date.now();
  const expired: FauxMessage[] = [];
  for (const entry of this.inflightMessages.values()) {
    if (entry.visibilityDeadline > now) continue;
    this.inflightMessages.delete(entry.receiptHandle);
    unlock(this, entry.message.messageGroupId ?? '');
    expired.push(entry.message);
  }
  const due: FauxMessage[] = [];
  for (const [groupId, delayed] of this.fifoDelayed) {
    const waiting = delayed.filter((message) => (message.delayUntil ?? 0) > now);
    due.push(...delayed.filter((message) => (message.delayUntil ?? 0) <= now));
    if (waiting.length > 0) this.fifoDelayed.set(groupId, waiting);
    else this.fifoDelayed.delete(groupId);
  }
  putBack(this, [...expired, ...due]);
}

function changeVisibility(this: FauxFifoQueue, receiptHandle: string, seconds: number): void {
  const entry = this.inflightMessages.get(receiptHandle);
  if (!entry) return;
  if (seconds > 0) {
    entry.visibilityDeadline = Date.now() + seconds * 1000;
    return;
  }
  this.inflightMessages.delete(receiptHandle);
  unlock(this, entry.message.messageGroupId ?? '');
  putBack(this, [entry.message]);
}

const redriveOf = (policy: string | undefined) => {
  try {
    const parsed = JSON.parse(policy ?? '{}') as { maxReceiveCount?: number; deadLetterTargetArn?: string };
    return {
      maxReceiveCount: Number(parsed.maxReceiveCount ?? Infinity),
      dlqArn: parsed.deadLetterTargetArn,
    };
  } catch {
    return { maxReceiveCount: Infinity, dlqArn: undefined };
  }
};

function dequeueFifo(
  this: FauxFifoQueue,
  max: number,
  visibility?: number,
  dlqOf?: (arn: string) => DeadLetterQueue | undefined,
): Received[] {
  this.processTimers();
  const visibilityMs = 1000 * (visibility ?? Number(this.attributes.VisibilityTimeout));
  const { maxReceiveCount, dlqArn } = redriveOf(this.attributes.RedrivePolicy);
  const limit = Math.min(max, 10);
  // Groups with nothing in flight, the one whose next message is oldest first.
  const available = [...this.fifoMessages]
    .filter(([groupId, messages]) => messages.length > 0 && !this.fifoLockedGroups.has(groupId))
    .sort(([, a], [, b]) => bySequence(a[0]!, b[0]!));
  const received: Received[] = [];
  for (const [groupId, messages] of available) {
    while (received.length < limit && messages.length > 0) {
      const message = messages.shift()!;
      message.approximateReceiveCount += 1;
      message.approximateFirstReceiveTimestamp ??= Date.now();
      // Over maxReceiveCount: SQS moves it to the DLQ instead of delivering it, and the group goes on.
      const dlq = dlqArn && message.approximateReceiveCount > maxReceiveCount ? dlqOf?.(dlqArn) : undefined;
      if (dlq) {
        dlq.enqueue(message);
        continue;
      }
      const receiptHandle = randomUUID();
      this.inflightMessages.set(receiptHandle, {
        message,
        receiptHandle,
        visibilityDeadline: Date.now() + visibilityMs,
      });
      this.fifoLockedGroups.set(groupId, (this.fifoLockedGroups.get(groupId) ?? 0) + 1);
      received.push({
        MessageId: message.messageId,
        ReceiptHandle: receiptHandle,
        MD5OfBody: message.md5OfBody,
        Body: message.body,
        ...(message.md5OfMessageAttributes ? { MD5OfMessageAttributes: message.md5OfMessageAttributes } : {}),
        ...(Object.keys(message.messageAttributes).length > 0
          ? { MessageAttributes: message.messageAttributes }
          : {}),
      });
    }
    if (messages.length === 0) this.fifoMessages.delete(groupId);
    if (received.length >= limit) break;
  }
  return received;
}

/** Gives one fauxqs FIFO queue SQS's receive shape (see the top of this file). */
export const adaptFifoQueue = (queue: unknown): void => {
  assertFauxqsShape(queue);
  if (!queue.isFifo()) return;
  Object.assign(queue, { dequeueFifo, processTimers, changeVisibility });
};

/** Adapts every FIFO queue a fauxqs `SqsStore` creates from now on. */
export const adaptFifoReceives = <Store extends { createQueue: (...args: never[]) => unknown }>(
  store: Store,
): Store => {
  const createQueue = store.createQueue.bind(store);
  store.createQueue = ((...args: Parameters<Store['createQueue']>) => {
    const queue = createQueue(...args);
    adaptFifoQueue(queue);
    return queue;
  }) as Store['createQueue'];
  return store;
};
