import type { TransactionCollector } from '../idempotency/transaction.ts';
import type { LoggedMessage, ReliabilityLog } from '../metrics/reliability-log.ts';
import { MessageValidationError, SequenceGapError } from './errors.ts';
import type { SqsMessage } from './message.ts';
import type { RecordOutcome } from './outcome.ts';
import type { SequenceStore } from './sequence-store.ts';

export type SequenceGuardOptions<Body> = {
  /** The key whose messages are numbered 1, 2, 3… (e.g. the account id). */
  key: (message: SqsMessage<Body>) => string;
  /** The message's sequence number, an integer ≥ 1 (e.g. the producer's `sequence` attribute). */
  seq: (message: SqsMessage<Body>) => number;
  store: SequenceStore;
  /** How long after it was sent a record may wait for the gap before it counts lost. @default 900_000 (15 minutes) */
  holdForMs?: number;
  /**
   * The source queue's redrive `maxReceiveCount`: a record on its last receive before SQS would
   * move it to the dead-letter queue is not held again — the gap counts lost then, whatever
   * `holdForMs` says, so a held record never reaches the DLQ still "held".
   * @default the `MAX_RECEIVE_COUNT` environment variable (`ReliableConsumer` sets it from its queue), else none
   */
  maxReceiveCount?: number;
  /** What to do with the record after a gap counted lost: process it, or dead-letter it. @default 'process' */
  onLost?: 'process' | 'dead-letter';
};

/** A record let through: the watermark move it owes (`from` → `to`), once it leaves the stream. */
export type SequenceTicket = { key: string; from: number; to: number; lost: number; joined: boolean };

export type SequenceCheck =
  /** Stop here: a repeat of a number already processed, or held until the gap before it fills. */
  | { outcome: RecordOutcome }
  /** Dead-letter the record: its number is invalid, or the gap before it was lost with `onLost: 'dead-letter'`. */
  | { poison: unknown; ticket?: SequenceTicket }
  | { ticket: SequenceTicket };

export type SequenceGuard<Body> = {
  /** Whether the record's key and number can be read (a poison record's, from its attributes). */
  readable(message: SqsMessage<Body>): boolean;
  /** Compares the record's number with its key's watermark. */
  check(message: SqsMessage<Body>, logged: LoggedMessage): Promise<SequenceCheck>;
  /** Exactly-once: the watermark moves in the record's own transaction, with its effects. */
  join(ticket: SequenceTicket, transaction: TransactionCollector): void;
  /** Moves the watermark past a record that left the stream and did not move it in its transaction. */
  settle(ticket: SequenceTicket, outcome: RecordOutcome): Promise<void>;
};

/**
 * The per-key sequence guard of `sqsBatch`: lets numbers through in order, skips repeats, holds
 * a number that arrives before its predecessor, and reports numbers that never arrive as lost.
 *
 * @example
 * const guard = createSequenceGuard({ key: (m) => m.body.account, seq: (m) => m.body.seq, store }, log);
 */
export const createSequenceGuard = <Body>(
  options: Required<Omit<SequenceGuardOptions<Body>, 'maxReceiveCount'>> & { maxReceiveCount?: number },
  log: ReliabilityLog,
  now: () => number = Date.now,
): SequenceGuard<Body> => ({
  readable(message) {
    try {
      return typeof options.key(message) === 'string' && Number.isFinite(options.seq(message));
    } catch {
      return false;
    }
  },

  async check(message, logged) {
    const key = options.key(message);
    const seq = options.seq(message);
    if (!Number.isInteger(seq) || seq < 1) {
      const poison = new MessageValidationError(
        `Message ${message.messageId} has no valid sequence number (got ${seq}).`,
        [{ message: 'sequence number must be an integer ≥ 1' }],
      );
      return { poison };
    }
    const last = await options.store.last(key);
    if (seq <= last) {
      log.duplicate(logged, 'sequence');
      return { outcome: { kind: 'duplicate', reason: 'sequence' } };
    }
    const ticket = { key, from: last, to: seq, lost: 0, joined: false };
    if (seq === last + 1) return { ticket };

    const sentAt = Number(message.record.attributes?.SentTimestamp ?? now());
    // On the last receive before the redrive, a record reported failed would go to the DLQ:
    // SQS moves a message once its receive count exceeds maxReceiveCount (SQS developer guide,
    // dead-letter queues: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html).
    const lastReceive =
      options.maxReceiveCount !== undefined && message.receiveCount >= options.maxReceiveCount;
    if (now() - sentAt < options.holdForMs && !lastReceive) {
      log.gap(logged, { sequenceKey: key, expected: last + 1, received: seq });
      return { outcome: { kind: 'held', error: new SequenceGapError(key, last + 1, seq) } };
    }
    const missing = Array.from({ length: seq - last - 1 }, (_, i) => last + 1 + i);
    log.lost(logged, { sequenceKey: key, missing });
    ticket.lost = missing.length;
    if (options.onLost === 'dead-letter') return { poison: new SequenceGapError(key, last + 1, seq), ticket };
    return { ticket };
  },

  join(ticket, transaction) {
    const write = options.store.advanceWrite?.(ticket.key, ticket.from, ticket.to);
    if (!write || !('Update' in write)) return;
    transaction.update(write.Update);
    ticket.joined = true;
  },

  async settle(ticket, outcome) {
    // A record that left the stream without its transaction (dead-lettered, dropped, a duplicate,
    // or processed outside exactly-once) still used its number: move the watermark past it, or the
    // next number would be held and at last reported lost.
    const left = ['processed', 'duplicate', 'dead-lettered', 'dropped'].includes(outcome.kind);
    if (!left || (outcome.kind === 'processed' && ticket.joined)) return;
    await options.store.advance(ticket.key, ticket.from, ticket.to);
  },
});
