import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import type { IdempotencyRecord } from './record.ts';
import type { TransactItem } from './staged-commit.ts';
import type { TransactionCollector, TransactWrite } from './transaction.ts';

export type { IdempotencyRecord, RecordStatus } from './record.ts';

/**
 * The three delivery semantics, and `effect-conditional`: exactly-once for a handler whose guard
 * write carries the idempotency condition itself, with no record. Defined in docs/semantics.md.
 */
export type DeliveryMode = 'exactly-once' | 'at-least-once' | 'at-most-once' | 'effect-conditional';

export type ClaimOutcome = { claimed: true } | { claimed: false; existing: IdempotencyRecord };

/**
 * What `complete` must find before it writes:
 * - `'owner'`: the record exists and `owner` is ours (we still hold the lease);
 * - `'absent'`: no live record (optimistic mode: nobody claimed or completed the key).
 */
export type CompleteExpectation = 'owner' | 'absent';

export type CompleteOutcome =
  | { completed: true }
  /** The condition failed; `existing` is the record that stands (if it still exists). */
  | { completed: false; existing?: IdempotencyRecord };

/**
 * Where idempotency records live. A plain type: `dynamoDBStore()` and `memoryStore()`
 * satisfy it, and so can anything else that offers the same conditional semantics.
 *
 * @example
 * const store: IdempotencyStore = process.env.LOCAL ? memoryStore() : dynamoDBStore({ tableName });
 */
export type IdempotencyStore = {
  /**
   * Writes `record` if the key is free: absent, expired (`expiresAt < nowMs/1000`), or
   * IN_PROGRESS with a lapsed lease (`leaseExpiresAt < nowMs`). Otherwise returns the existing record.
   */
  claim(record: IdempotencyRecord, nowMs: number): Promise<ClaimOutcome>;
  /** Writes the COMPLETED `record` together with `writes`, atomically, if `expect` holds. */
  complete(
    record: IdempotencyRecord,
    expect: CompleteExpectation,
    writes: readonly TransactWrite[],
    nowMs: number,
  ): Promise<CompleteOutcome>;
  /** Deletes the record only if it is still IN_PROGRESS and `owner` holds it (never a COMPLETED one). Returns whether it did. */
  release(key: string, owner: string): Promise<boolean>;
  /**
   * The record as it stands (a strongly consistent read), to learn the outcome of a write whose
   * answer was lost. A store without it cannot tell, so such a claim is left to lapse instead of released.
   */
  get?(key: string): Promise<IdempotencyRecord | undefined>;
  /** For group commit: the record's put as a transaction action, and the client and table to commit and read with. */
  transactional?: TransactionalStore;
};

export type TransactionalStore = {
  documents: DynamoDBDocumentClient;
  tableName: string;
  /** The COMPLETED record's put, conditional on the key being free at `nowMs`, returning the old item on failure. */
  recordPut(record: IdempotencyRecord, nowMs: number): TransactItem;
  /** The stored item as a record. */
  toRecord(item: Record<string, unknown> | undefined): IdempotencyRecord | undefined;
};

/** What the wrapped function receives beside its input. */
export type IdempotentContext = {
  /** The idempotency key of this call (after any scope prefix was added). */
  key: string;
  /** In exactly-once mode, writes registered here commit atomically with the completion record. */
  transaction: TransactionCollector;
  /** The Lambda context, when the caller passed one. */
  lambdaContext?: Context;
};

export type IdempotencyOptions<Input> = {
  /** Where records live. Not used by `mode: 'effect-conditional'`, which keeps none. */
  store?: IdempotencyStore;
  /** `mode: 'effect-conditional'`: the client its writes go through. @default the `store`'s client when it is a dynamoDBStore, else one from the environment */
  client?: DynamoDBClient | DynamoDBDocumentClient;
  /** Derives the idempotency key from the input. */
  key: (input: Input) => string | number | undefined | null;
  /** @default 'exactly-once' */
  mode?: DeliveryMode;
  /**
   * Exactly-once without a lease: run first, then one `TransactWriteItems` puts the record
   * (if absent) and the function's writes. Only for functions whose sole effects are writes
   * registered on `ctx.transaction`; a concurrent duplicate runs but its writes roll back.
   * @default false
   */
  optimistic?: boolean;
  /**
   * Where a key is remembered. `'per-key'`: one idempotency record per key. `'group-window'`
   * (sqsBatch on a FIFO queue, exactly-once, committed by group commit): no record; the FIFO fence
   * item of the message's group holds the digests of the group's latest keys, checked before the
   * handler runs and extended by the one conditional update that moves the fence. A duplicate must
   * come in the same message group, within the window (`expiresAfterMs`, `windowKeys`); no result is
   * stored (docs/semantics.md, the group window).
   * @default 'per-key'
   */
  record?: 'per-key' | 'group-window';
  /**
   * `record: 'group-window'`: how many of a group's latest keys its window holds.
   * @default as many as keep the fence item within 1 KB (one write unit): about 80
   */
  windowKeys?: number;
  /** Record lifetime in ms (with `record: 'group-window'`: how long the window holds a key); past it the key may run again. @default 3_600_000 (1 hour) */
  expiresAfterMs?: number;
  /** What must match for a repeat of a key to count as the same call. @default undefined (not checked) */
  fingerprint?: (input: Input) => unknown;
  /** Keep the function's result for replay to duplicates. @default true */
  storeResult?: boolean;
  /** What a missing or empty key does: throw `IdempotencyKeyError`, or run without idempotency. @default 'throw' */
  onMissingKey?: 'throw' | 'run';
  /** Prefix of every key, so functions sharing a table never collide. @default process.env.AWS_LAMBDA_FUNCTION_NAME ?? '' */
  scope?: string;
  /** Added to the Lambda's remaining time to make the lease. @default 2_000 */
  leaseMarginMs?: number;
  /** Lease length when no Lambda context is passed. @default 60_000 */
  leaseWithoutContextMs?: number;
  /** Completed records kept in memory (LRU) so warm repeats skip the store; 0 disables. @default 0 */
  localCacheSize?: number;
  /** Clock, epoch ms. @default Date.now */
  now?: () => number;
};
