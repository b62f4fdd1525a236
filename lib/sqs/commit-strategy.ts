import { appendTo } from '../collections.ts';
import { type ChunkFence, commitChunk } from '../idempotency/commit-chunk.ts';
import { IdempotencyTransactionError } from '../idempotency/errors.ts';
import { actionSize } from '../idempotency/item-size.ts';
import type { IdempotencyRecord } from '../idempotency/record.ts';
import type { IdempotencySession, RunState } from '../idempotency/session.ts';
import type { StagedCommit, TransactItem } from '../idempotency/staged-commit.ts';
import type { InternalWriteOptions, TransactWrite } from '../idempotency/transaction.ts';
import { type GroupWindow, windowChunkFence } from './group-window.ts';
import { isRetried, type RecordOutcome } from './outcome.ts';
import { type Touched, touchedBy } from './touched-items.ts';

// One TransactWriteItems holds at most 100 actions and 4 MB, and no two actions on one item.
// https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html
const MAX_ACTIONS = 100;
const MAX_BYTES = 4 * 1024 * 1024;

/** What became of a record's commit. `skipped`: not committed, because a record before it failed. */
export type CommitResult =
  | { kind: 'committed' }
  | { kind: 'duplicate' }
  | { kind: 'error'; error: unknown }
  | { kind: 'skipped' };

export type Commit =
  /** Committed (or refused) now. */
  | { kind: 'done'; result: CommitResult }
  /** Staged with the group's pending writes: the outcome comes when they commit. */
  | { kind: 'staged'; outcome: Promise<RecordOutcome> }
  /** Its writes touch an item the group had pending; that is committed now: run the handler again. */
  | { kind: 'rerun' };

/** Turns a commit's result into the record's outcome (dead-lettering it if it must be). */
export type Finish = (result: CommitResult) => Promise<RecordOutcome> | RecordOutcome;

/**
 * One FIFO message group (or one record of a standard queue) of one invocation, and when its
 * records commit: the commit strategy of the one record pipeline.
 */
export type GroupRun = {
  /** True once a record of the group was reported for retry: no later record of it may start. */
  readonly failed: boolean;
  fail(): void;
  /** The invocation's committed records and the group's staged keys, for the engine. */
  run: RunState;
  /**
   * Commits the record's writes now (`commitNow`), or stages them with the group's (`groupCommit`);
   * `ticket` carries the record's SQS SequenceNumber, for the group's fence.
   */
  commit(
    session: IdempotencySession<unknown>,
    result: unknown,
    finish: Finish,
    ticket?: FenceTicket,
  ): Promise<Commit>;
  /** Commits everything pending; called before an acknowledgment outside the transaction and at the end. */
  settle(): Promise<void>;
  /**
   * The group window: a later record of a key staged here is decided by that key's commit, without
   * committing what is pending first — a duplicate if it applied, else back to the queue with the
   * rest of the group. Undefined when the key is not staged.
   */
  follow?(key: string): Promise<CommitResult> | undefined;
  /** The group's FIFO fence, when it has one. */
  readonly fence?: GroupFence;
};

/**
 * A FIFO group's fence: its move from the first to the last SequenceNumber a commit holds (a
 * replayed head's source message id releases a park), and what a commit it cancelled fails with,
 * from the fence item it returned (a parked group, or a late commit).
 */
export type GroupFence = {
  write(first: string, last: string, release?: string): TransactWrite;
  error(sequence: string, item: Record<string, unknown> | undefined): unknown;
  /** `onDeadLetter: 'park-group'`: parks the group behind the record being dead-lettered. */
  park?(sequence: string, messageId: string, release?: string): Promise<void>;
  /** `onDeadLetter: 'park-group'`: lifts the park a replayed head made when that head is a duplicate. */
  unpark?(release: string): Promise<void>;
  /** `record: 'group-window'`: the group's key window, in the fence's item; its update is the fence's move. */
  window?: GroupWindow;
};

/** What the fence needs of a record: its padded SequenceNumber, and the id a replay of it releases. */
export type FenceTicket = { sequence: string; release?: string };

type Options = { known: Map<string, IdempotencyRecord>; onRetried: () => void; fence?: GroupFence };

const base = (options: Options) => {
  const state = {
    failed: false,
    fail() {
      if (!state.failed) options.onRetried();
      state.failed = true;
    },
  };
  return state as Pick<GroupRun, 'failed' | 'fail'>;
};

/** Each record commits alone, before the next one starts (every mode without `groupCommit`). */
export const commitNow = (options: Options): GroupRun => {
  const group = base(options);
  return Object.assign(group, {
    fence: options.fence,
    run: { known: options.known, pending: new Set<string>() },
    async commit(
      session: IdempotencySession<unknown>,
      result: unknown,
      _finish: Finish,
      ticket?: FenceTicket,
    ): Promise<Commit> {
      try {
        // The fence moves in the record's own transaction, or the transaction is cancelled.
        // A call without a key (`onMissingKey: 'run'`) commits nothing, so there is nothing to fence.
        const { fence } = options;
        if (fence && ticket && session.context.key !== '') {
          const write = fence.write(ticket.sequence, ticket.sequence, ticket.release);
          const fenced: InternalWriteOptions = {
            failsWith: (reason) => fence.error(ticket.sequence, reason.Item),
          };
          if ('Update' in write) session.context.transaction.update(write.Update, fenced);
        }
        await session.succeed(result);
        return { kind: 'done', result: { kind: session.replayed ? 'duplicate' : 'committed' } };
      } catch (error) {
        await session.fail(error);
        return { kind: 'done', result: { kind: 'error', error } };
      }
    },
    settle: async () => {},
  });
};

type Entry = {
  staged: StagedCommit;
  ticket?: FenceTicket;
  touched: Touched;
  bytes: number;
  finish: Finish;
  resolve: (outcome: RecordOutcome) => void;
};

/**
 * Group commit: a record's writes are staged, and the staged writes of consecutive records commit
 * in as few `TransactWriteItems` as DynamoDB allows (100 actions, 4 MB, one action per item). The
 * records' outcomes follow from the chunk's, in order, by the same rules as a record committed alone.
 */
export const groupCommit = (options: Options): GroupRun => {
  const group = base(options);
  const keyNames = new Map<string, string[]>();
  const pending = new Set<string>();
  // One fence move covers a chunk: from its first record's SequenceNumber to its last's.
  const sequences = new Map<StagedCommit, FenceTicket>();
  const { fence } = options;
  const chunkFence: ChunkFence | undefined = fence?.window
    ? windowChunkFence(fence.window, (call) => sequences.get(call), fence.error)
    : fence && {
        action: (calls) => {
          // Padded to one width: as strings they sort as the numbers do.
          const numbers = calls.map((call) => sequences.get(call)?.sequence ?? '').sort();
          // A replayed head leads its chunk: it lifts the park it made.
          const release = sequences.get(calls[0] as StagedCommit)?.release;
          return options.fence?.write(numbers[0] ?? '', numbers.at(-1) ?? '', release) as TransactItem;
        },
        error: (call, item) => options.fence?.error(sequences.get(call)?.sequence ?? '', item),
      };
  const empty = () => ({ entries: [] as Entry[], actions: 0, bytes: 0, items: new Set<string>() });
  let chunk = empty();
  const tableOf = (id: string) => id.slice(0, id.indexOf('\n'));
  // An unkeyed put touches its whole table (`table\n*`): it conflicts with any write there.
  const conflicts = ({ items, unkeyed }: Touched) =>
    items.some((id) => chunk.items.has(id) || chunk.items.has(`${tableOf(id)}\n*`)) ||
    unkeyed.some((table) => [...chunk.items].some((id) => tableOf(id) === table));
  const add = (entry: Entry) => {
    chunk.entries.push(entry);
    chunk.actions += entry.staged.actions.length;
    chunk.bytes += entry.bytes;
    for (const id of entry.touched.items) chunk.items.add(id);
    for (const table of entry.touched.unkeyed) chunk.items.add(`${table}\n*`);
    pending.add(entry.staged.key);
  };

  // Later records of a staged key (the group window), decided when it settles.
  const followers = new Map<string, ((result: CommitResult) => void)[]>();
  const release = (key: string, applied: boolean) => {
    const waiting = followers.get(key) ?? [];
    followers.delete(key);
    // Not applied (dead-lettered, say): its later records and everything after them go back, in order.
    if (waiting.length > 0 && !applied) group.fail();
    for (const done of waiting) done(applied ? { kind: 'duplicate' } : { kind: 'skipped' });
  };
  const settle = async () => {
    // Each round settles at least one entry: bounded by the entries staged.
    while (chunk.entries.length > 0) {
      const { entries } = chunk;
      chunk = empty();
      const fenced = chunkFence && entries.every((entry) => sequences.has(entry.staged));
      const results = await commitChunk(
        entries.map((entry) => entry.staged),
        fenced ? chunkFence : undefined,
      );
      let index = 0;
      for (; index < entries.length; index++) {
        const entry = entries[index] as Entry;
        const result = results[index];
        if (result === undefined) break;
        pending.delete(entry.staged.key);
        const outcome = await entry.finish(result);
        entry.resolve(outcome);
        if (isRetried(outcome)) group.fail();
        release(entry.staged.key, result.kind === 'committed' || result.kind === 'duplicate');
      }
      // Not tried: the record before them failed. If it was dead-lettered the group goes on, so
      // they are committed in the next round; if it goes back to the queue, so do they.
      for (const entry of entries.slice(index)) {
        if (!group.failed) add(entry);
        else {
          pending.delete(entry.staged.key);
          entry.resolve(await entry.finish({ kind: 'skipped' }));
          release(entry.staged.key, false);
        }
      }
    }
  };

  return Object.assign(group, {
    fence: options.fence,
    run: { known: options.known, pending, window: fence?.window },
    follow: (key: string) =>
      pending.has(key) ? new Promise<CommitResult>((done) => appendTo(followers, key, done)) : undefined,
    async commit(
      session: IdempotencySession<unknown>,
      result: unknown,
      finish: Finish,
      ticket?: FenceTicket,
    ): Promise<Commit> {
      let entry: Omit<Entry, 'resolve'>;
      if (!session.stage) {
        // A call with nothing to stage (no key, run with `onMissingKey: 'run'`) commits now, in order.
        await settle();
        if (group.failed) return { kind: 'done', result: { kind: 'skipped' } };
        return commitNow(options).commit(session, result, finish);
      }
      try {
        const staged = session.stage(result);
        const touched = touchedBy(staged, keyNames);
        if (new Set(touched.items).size !== touched.items.length)
          throw new IdempotencyTransactionError(
            'This record registered two writes on one item; DynamoDB refuses two actions on one item in a transaction. Merge them into one.',
          );
        const bytes = staged.actions.reduce(
          (sum, action) => sum + actionSize(action as Record<string, unknown>),
          0,
        );
        entry = { staged, touched, bytes, finish };
        if (ticket) sequences.set(staged, ticket);
        // The window's update is the idempotency condition: a record it cannot fence never commits.
        const refused = fence?.window && (await fence.window.refuses(staged.key, ticket, fence.error));
        if (refused) return { kind: 'done', result: { kind: 'error', error: refused } };
      } catch (error) {
        return { kind: 'done', result: { kind: 'error', error } };
      }
      const conflict = conflicts(entry.touched);
      // The fence's update is one more action of every chunk.
      const reserved = chunkFence ? 1 : 0;
      const full =
        chunk.actions + entry.staged.actions.length + reserved > MAX_ACTIONS ||
        chunk.bytes + entry.bytes + (fence?.window?.bytes ?? 0) > MAX_BYTES;
      if (conflict || full) {
        await settle();
        if (group.failed) return { kind: 'done', result: { kind: 'skipped' } };
        if (conflict) return { kind: 'rerun' };
      }
      let resolve: (outcome: RecordOutcome) => void = () => {};
      const outcome = new Promise<RecordOutcome>((done) => {
        resolve = done;
      });
      add({ ...entry, resolve });
      return { kind: 'staged', outcome };
    },
    settle,
  });
};
