import type { Context } from 'aws-lambda';
import type { StagedCommit } from './staged-commit.ts';
import type { IdempotencyRecord, IdempotencyStore, IdempotentContext } from './types.ts';

/** A call that must run: report its outcome with `succeed` or `fail`. */
export type IdempotencySession<Result> = {
  context: IdempotentContext;
  /** Records the result (and commits the transaction); returns what the caller should get. */
  succeed(result: Result): Promise<Result>;
  /** Releases the claim where the mode retries on error. Never throws. */
  fail(error: unknown): Promise<void>;
  /**
   * True once `succeed` found the key completed by another call (the optimistic commit): the
   * caller got that call's stored result, and this call's writes were rolled back. A duplicate.
   */
  readonly replayed?: boolean;
  /**
   * Group commit: the call's writes, ready to join a transaction with other calls', instead of
   * `succeed` committing them alone. Only modes without a lease offer it.
   */
  stage?(result: Result): StagedCommit;
};

export type BeginOutcome<Result> =
  | { run: true; session: IdempotencySession<Result> }
  | { run: false; result: Result; record: IdempotencyRecord };

export type IdempotencyEngine<Input, Result> = {
  begin(input: Input, lambdaContext?: Context): Promise<BeginOutcome<Result>>;
};

/** What the engine hands a mode once the key is known: the record to write and how to settle a conflict. */
export type KeyedCall<Result> = {
  store: IdempotencyStore;
  key: string;
  /** The IN_PROGRESS record this call would write, with its fresh owner token. */
  base: IdempotencyRecord;
  nowMs: number;
  lambdaContext: Context | undefined;
  /** A duplicate's outcome from the record that holds the key (throws for IN_PROGRESS or a payload mismatch). */
  existing(record: IdempotencyRecord): Extract<BeginOutcome<Result>, { run: false }>;
  /** Keep the result in the record, for replay to duplicates. */
  storeResult: boolean;
  now: () => number;
  /** The local cache of completed records, when `localCacheSize` > 0. */
  cache: { set(key: string, record: IdempotencyRecord): unknown } | undefined;
};
