import { createHash } from 'node:crypto';
import {
  type CancellationReason,
  ConditionalCheckFailedException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { IdempotencyTransactionError, IdempotencyWriteCancelledError } from './errors.ts';

export type Item = Record<string, unknown>;
export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/**
 * One call's writes, ready to commit — alone or in one transaction with other calls' (group
 * commit). `actions[guard]` carries the idempotency condition (the record's put, or the effect's
 * own condition) with `ReturnValuesOnConditionCheckFailure: ALL_OLD`, so a failed condition
 * brings back the item that decides between a duplicate and an error.
 */
export type StagedCommit = {
  key: string;
  /** Unique per call; the transaction's `ClientRequestToken` is derived from the nonces it holds. */
  nonce: string;
  actions: TransactItem[];
  guard: number;
  documents: DynamoDBDocumentClient;
  /** The guard's condition failed on `old`: a duplicate, or the error to report. */
  conditionFailed(old: Item | undefined): { duplicate: true } | { landed: true } | { error: unknown };
  /** The guarded item, read back (consistently) after an ambiguous outcome. */
  readBack: { TableName: string; Key: Item };
  /** From that read: did this call land, did another call of the key, or nothing yet? */
  landed(item: Item | undefined): Landed;
  /** Called once the writes are committed. */
  committed(): void;
  /** The error to dead-letter with when a failed reason is a write registered with `onConditionFailure: 'dead-letter'`. */
  poisoned?(reasons: readonly CancellationReason[]): unknown;
};

export type Sent =
  | { kind: 'committed' }
  /** A cancelled transaction writes nothing; one reason per action, in the order sent. */
  | { kind: 'cancelled'; reasons: readonly CancellationReason[] }
  /** Refused before running (ValidationException: two actions on one item, a size limit…): nothing written. */
  | { kind: 'invalid'; error: unknown }
  /** Cancelled without one reason per action: nothing written, nobody to blame. */
  | { kind: 'unattributed'; error: unknown }
  /** Anything else, after the SDK's own retries: the writes may or may not have landed. */
  | { kind: 'ambiguous'; error: unknown };

/**
 * What a read-back says: this call's write landed, another call's (a duplicate), nothing live, or
 * a record that settles this call with an error (the same key with another payload).
 */
export type Landed = 'this' | 'other' | 'none' | { error: unknown };

/** `landed`: the failed condition met this very call's write (an SDK retry of a write that had landed). */
export type Verdict =
  | { kind: 'ok' }
  | { kind: 'duplicate' }
  | { kind: 'landed' }
  | { kind: 'error'; error: unknown };

/** A returned item as plain values (a number beyond 2^53 as its decimal string, if it must). */
export const itemOf = (raw: CancellationReason['Item']): Item | undefined => {
  if (!raw) return undefined;
  try {
    return unmarshall(raw);
  } catch {
    // A number beyond JavaScript's safe integers (a 128-bit position): kept as its decimal string.
    return unmarshall(raw, { wrapNumbers: true });
  }
};

// What the SDK's marshalling throws, before anything is sent, for a value DynamoDB cannot hold
// (a Date, Infinity, an unsafe integer as a number, undefined without removeUndefinedValues).
const UNMARSHALLABLE =
  /Unsupported type passed|Special numeric value|Number\.M(AX|IN)_SAFE_INTEGER|removeUndefinedValues/;

/**
 * The same writes can never pass: DynamoDB refused the request (ValidationException), cancelled it
 * with a ValidationError reason, or the SDK could not marshal a value (thrown before sending: no
 * `$metadata`, which every response and every retried network error carries).
 */
export const isRefusal = (error: unknown): boolean => {
  const { name, message, CancellationReasons, $metadata } = (error ?? {}) as {
    name?: string;
    message?: string;
    CancellationReasons?: { Code?: string }[];
    $metadata?: unknown;
  };
  if (name === 'ValidationException') return true;
  if (name === 'TransactionCanceledException')
    return (CancellationReasons ?? []).some((reason) => reason.Code === 'ValidationError');
  return $metadata === undefined && UNMARSHALLABLE.test(String(message));
};

/**
 * The error a refused commit fails with: an `IdempotencyTransactionError` (never retried: the same
 * writes are refused every time — two actions on one item, an item over 400 KB, a transaction over
 * 4 MB, an invalid expression), carrying DynamoDB's own message.
 */
export const refused = (key: string, error: unknown): IdempotencyTransactionError =>
  new IdempotencyTransactionError(
    `DynamoDB refused the writes of key "${key}": ${(error as Error)?.message ?? String(error)}`,
    { cause: error },
  );

/** A call alone with one plain write needs no transaction: one request, one write unit (1 KB). */
const alone = (staged: readonly StagedCommit[]) => {
  const [only] = staged;
  if (staged.length !== 1 || only?.actions.length !== 1) return undefined;
  const [action] = only.actions;
  if (action?.Put) return new PutCommand({ ...action.Put, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' });
  if (action?.Update)
    return new UpdateCommand({ ...action.Update, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' });
  if (action?.Delete)
    return new DeleteCommand({ ...action.Delete, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' });
  return undefined;
};

/**
 * Sends the calls' writes in one request. The `ClientRequestToken` makes the SDK's retry of the
 * same transaction a no-op that reports success instead of a failed condition (DynamoDB honours a
 * token for 10 minutes: API reference, TransactWriteItems, ClientRequestToken).
 */
export const sendStaged = async (staged: readonly StagedCommit[], extra?: TransactItem): Promise<Sent> => {
  const documents = staged[0]?.documents;
  if (!documents) return { kind: 'committed' };
  const single = extra ? undefined : alone(staged);
  try {
    if (single) await documents.send(single as PutCommand);
    else {
      await documents.send(
        new TransactWriteCommand({
          TransactItems: [...staged.flatMap((s) => s.actions), ...(extra ? [extra] : [])],
          // The extra action too: a round sent again under a new fence condition (the group window
          // read anew) is another request, which DynamoDB refuses under a token it saw with other
          // parameters (IdempotentParameterMismatchException).
          ClientRequestToken: createHash('sha256')
            .update(staged.map((s) => s.nonce).join('\n'))
            .update(extra ? JSON.stringify(extra) : '')
            .digest('hex')
            .slice(0, 36),
        }),
      );
    }
    return { kind: 'committed' };
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) {
      return { kind: 'cancelled', reasons: [{ Code: 'ConditionalCheckFailed', Item: error.Item }] };
    }
    if (error instanceof TransactionCanceledException) {
      const reasons = error.CancellationReasons ?? [];
      // Without one reason per action nobody can be blamed: the caller commits the calls one by one.
      const actions = staged.reduce((sum, s) => sum + s.actions.length, extra ? 1 : 0);
      return reasons.length === actions ? { kind: 'cancelled', reasons } : { kind: 'unattributed', error };
    }
    if (isRefusal(error)) return { kind: 'invalid', error };
    return { kind: 'ambiguous', error };
  }
};

/** What the cancellation reasons of one call's actions say about it. */
export const verdictOf = (staged: StagedCommit, reasons: readonly CancellationReason[]): Verdict => {
  const guard = reasons[staged.guard];
  // A reason DynamoDB gives for an input it can never apply (an update growing an item past 400 KB,
  // an operand of the wrong type): the same writes fail the same way every time.
  // https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html
  const invalid = reasons.find((reason) => reason.Code === 'ValidationError');
  if (invalid)
    return {
      kind: 'error',
      error: refused(
        staged.key,
        Object.assign(new Error(invalid.Message ?? 'ValidationError'), { name: 'ValidationError' }),
      ),
    };
  if (guard?.Code === 'ConditionalCheckFailed') {
    const decided = staged.conditionFailed(itemOf(guard.Item));
    if ('landed' in decided) return { kind: 'landed' };
    return 'duplicate' in decided ? { kind: 'duplicate' } : { kind: 'error', error: decided.error };
  }
  const failed = reasons.find((reason) => reason.Code && reason.Code !== 'None');
  if (!failed) return { kind: 'ok' };
  const poison = staged.poisoned?.(reasons);
  if (poison) return { kind: 'error', error: poison };
  return {
    kind: 'error',
    error: new IdempotencyWriteCancelledError(staged.key, failed.Code ?? 'Unknown', failed.Message),
  };
};

/** After an ambiguous outcome: read the guarded item (strongly consistent) instead of guessing. */
export const readBack = async (staged: StagedCommit): Promise<Landed> => {
  const { Item } = await staged.documents.send(new GetCommand({ ...staged.readBack, ConsistentRead: true }));
  return staged.landed(Item);
};

/**
 * Commits one call's staged writes on their own. A failed guard that shows the key applied is a
 * duplicate; an ambiguous outcome is settled by reading the guarded item back.
 */
export const commitAlone = async (staged: StagedCommit): Promise<'committed' | 'duplicate'> => {
  const sent = await sendStaged([staged]);
  if (sent.kind === 'committed') {
    staged.committed();
    return 'committed';
  }
  if (sent.kind === 'invalid') throw refused(staged.key, sent.error);
  if (sent.kind === 'unattributed') throw sent.error;
  if (sent.kind === 'cancelled') {
    const verdict = verdictOf(staged, sent.reasons);
    if (verdict.kind === 'landed') {
      staged.committed();
      return 'committed';
    }
    if (verdict.kind === 'duplicate') return 'duplicate';
    if (verdict.kind === 'error') throw verdict.error;
    throw new IdempotencyWriteCancelledError(staged.key, 'Cancelled', 'no reason given for any action');
  }
  const landed = await readBack(staged).catch(() => 'none' as const);
  if (landed === 'this') {
    staged.committed();
    return 'committed';
  }
  if (landed === 'other') return 'duplicate';
  if (typeof landed === 'object') throw landed.error;
  throw sent.error;
};

/** The same action with `ReturnValuesOnConditionCheckFailure: ALL_OLD`, so a failed condition returns the item. */
export const withOldItem = (action: TransactItem): TransactItem => {
  const [kind, input] = Object.entries(action)[0] as [keyof TransactItem, object];
  return { [kind]: { ...input, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } } as TransactItem;
};

/** A cancellation as the transaction collector reads it: the record's reason first, then the writes'. */
export const cancellationOf = (reasons: readonly CancellationReason[]) => ({
  name: 'TransactionCanceledException',
  CancellationReasons: reasons,
});
