import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import type { Item, Landed, StagedCommit } from './staged-commit.ts';
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

/**
 * What one invocation knows beyond the store (sqsBatch): the records it committed, and the keys a
 * group has staged but not yet committed (group commit). A key it committed is settled from its
 * record as the store's would settle it (fingerprint included), without a request.
 */
export type RunState = {
  known: Map<string, IdempotencyRecord>;
  pending: ReadonlySet<string>;
  /** `record: 'group-window'`: the window of the FIFO group the call belongs to. */
  window?: KeyWindow;
};

/**
 * Where `record: 'group-window'` keeps a group's applied keys (the group's fence item): whether it
 * holds a key, and how a commit's ambiguous outcome is read back from it.
 */
export type KeyWindow = {
  holds(key: string): Promise<boolean>;
  /** The client the group's commits go through. */
  documents: DynamoDBDocumentClient;
  readBack: { TableName: string; Key: Item };
  /** From that read: the key is held (the commit landed, or another of the key did) or not. */
  landed(item: Item | undefined, key: string): Landed;
};

export type IdempotencyEngine<Input, Result> = {
  /**
   * Where the record of `input` lives — the store's table and the exact partition key, scope
   * included — when the engine keeps one per key in a DynamoDB table (exactly-once and at-most-once
   * with `dynamoDBStore`); undefined otherwise, or when the input has no valid key. Never throws.
   */
  recordOf?(input: Input): { table: string; pk: string } | undefined;
  begin(input: Input, lambdaContext?: Context): Promise<BeginOutcome<Result>>;
  /**
   * `begin` inside a batch run: `{ run: 'wait' }` when the key is staged and not yet committed
   * (commit what is pending, then begin again).
   */
  beginInRun?(
    input: Input,
    lambdaContext: Context | undefined,
    run: RunState,
  ): Promise<BeginOutcome<Result> | { run: 'wait'; key: string }>;
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
  /** Keeps a record this call committed: in the local cache (`localCacheSize` > 0) and the batch run's. */
  remember(record: IdempotencyRecord): void;
};
