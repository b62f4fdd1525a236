import { NonRetryableError, ReliableEventsError } from '../errors.ts';
import type { IdempotencyRecord as StoredRecord } from './record.ts';

// Errors that extend NonRetryableError can never pass on a retry of the same input: sqsBatch
// dead-letters such a record at once instead of retrying it until the redrive policy moves it.

/** The idempotency key is missing, empty or not a string (an object, say), or too long for a DynamoDB partition key. */
export class IdempotencyKeyError extends NonRetryableError {
  static override readonly errorName: string = 'IdempotencyKeyError';
}

/** The function registered writes that cannot be committed in one transaction. */
export class IdempotencyTransactionError extends NonRetryableError {
  static override readonly errorName: string = 'IdempotencyTransactionError';
}

/** Another invocation holds a live lease on this key. Retry later: it will complete or its lease will lapse. */
export class IdempotencyInProgressError extends ReliableEventsError {
  static override readonly errorName: string = 'IdempotencyInProgressError';

  override readonly retryable = true;
  /** The record that holds the key. */
  readonly existing: StoredRecord;

  constructor(existing: StoredRecord) {
    super(
      `Key "${existing.key}" is being processed by another invocation until ${new Date(existing.leaseExpiresAt).toISOString()}; retry after that.`,
    );
    this.existing = existing;
  }
}

/** The key was seen before with a different payload: the same key must always mean the same request. */
export class IdempotencyPayloadMismatchError extends NonRetryableError {
  static override readonly errorName: string = 'IdempotencyPayloadMismatchError';

  readonly existing: StoredRecord;
  readonly fingerprint: string;

  constructor(existing: StoredRecord, fingerprint: string) {
    super(
      `Key "${existing.key}" was first used with a different payload (fingerprint ${existing.fingerprint}, now ${fingerprint}). ` +
        'Use a new key for a new request, or narrow the `fingerprint` option to the fields that identify it.',
    );
    this.existing = existing;
    this.fingerprint = fingerprint;
  }
}

/**
 * Completion was refused because this invocation no longer owns the key: its lease lapsed and
 * another invocation took over. Nothing of this invocation's transaction was written.
 */
export class IdempotencyLeaseLostError extends ReliableEventsError {
  static override readonly errorName: string = 'IdempotencyLeaseLostError';

  override readonly retryable = true;
  readonly key: string;
  readonly existing: StoredRecord | undefined;

  constructor(key: string, existing: StoredRecord | undefined) {
    super(
      `Lost the lease on key "${key}" before completing: another invocation took it over, so this invocation's ` +
        'result and transaction writes were discarded. Raise the Lambda timeout or `leaseMarginMs` if this is frequent.',
    );
    this.key = key;
    this.existing = existing;
  }
}

/** The result is too large to store in an idempotency record (DynamoDB items are at most 400 KB). */
export class IdempotencyResultTooLargeError extends NonRetryableError {
  static override readonly errorName: string = 'IdempotencyResultTooLargeError';

  readonly key: string;
  readonly bytes: number;

  constructor(key: string, bytes: number, options?: { cause?: unknown }) {
    super(
      `The result for key "${key}" is ${bytes} bytes, too large for a DynamoDB item (400 KB in all). ` +
        'Return less, or set `storeResult: false` so duplicates are skipped without replaying the result.',
      options,
    );
    this.key = key;
    this.bytes = bytes;
  }
}

/**
 * Effect-conditional mode: the guarded write's condition failed and the item does not show this
 * key applied, so it is not a duplicate: another key wrote the item, or the caller's own
 * condition does not hold. Nothing of the call was written.
 */
export class EffectConditionFailedError extends ReliableEventsError {
  static override readonly errorName: string = 'EffectConditionFailedError';

  override readonly retryable = true;
  readonly key: string;
  /** The item as the failed condition found it (`ReturnValuesOnConditionCheckFailure: ALL_OLD`). */
  readonly item: Record<string, unknown> | undefined;

  constructor(key: string, item: Record<string, unknown> | undefined) {
    super(
      `The guarded write for key "${key}" was refused: its item ${item ? 'exists without this key applied' : 'does not exist'}, ` +
        'so its condition (or your own ConditionExpression on it) does not hold. Nothing of this call was written.',
    );
    this.key = key;
    this.item = item;
  }
}

/** DynamoDB cancelled the transaction that held this call's writes, for a reason of one of them (`code`). */
export class IdempotencyWriteCancelledError extends ReliableEventsError {
  static override readonly errorName: string = 'IdempotencyWriteCancelledError';

  override readonly retryable = true;
  readonly key: string;
  readonly code: string;

  constructor(key: string, code: string, detail: string | undefined) {
    super(
      `DynamoDB cancelled the writes of key "${key}": ${code}${detail ? ` (${detail})` : ''}. Nothing of this call was written.`,
    );
    this.key = key;
    this.code = code;
  }
}

/** The result cannot be stored for replay: `JSON.stringify` refused it (a BigInt, a cycle). */
export class IdempotencyResultError extends NonRetryableError {
  static override readonly errorName: string = 'IdempotencyResultError';

  constructor(key: string, options: { cause: unknown }) {
    super(
      `The result for key "${key}" cannot be stored as JSON (${(options.cause as Error)?.message ?? options.cause}). ` +
        'Return plain data, or set `storeResult: false`.',
      options,
    );
  }
}

/**
 * A registered write whose ConditionExpression failed, where the handler said that means poison
 * (`transaction.update(write, { onConditionFailure: 'dead-letter' })`): the same input will fail again.
 * Nothing of the transaction was written.
 */
export class WriteConditionFailedError extends NonRetryableError {
  static override readonly errorName: string = 'WriteConditionFailedError';

  /** The write's position among those the handler registered, from 1. */
  readonly write: number;

  constructor(write: number, options: { cause: unknown }) {
    super(
      `The ConditionExpression of write ${write} of this call's transaction failed, and that write was registered ` +
        "with onConditionFailure: 'dead-letter'; nothing of the transaction was written.",
      options,
    );
    this.write = write;
  }
}
