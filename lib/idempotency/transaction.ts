import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { guardOf } from './effect-writes.ts';
import { IdempotencyTransactionError, WriteConditionFailedError } from './errors.ts';

type Item = NonNullable<TransactWriteCommandInput['TransactItems']>[number];
type Input<K extends keyof Item> = Omit<NonNullable<Item[K]>, 'ReturnValuesOnConditionCheckFailure'>;

/** One write, in the document client's shape (plain JavaScript values, not AttributeValues). */
export type TransactWrite =
  | { Put: Input<'Put'> }
  | { Update: Input<'Update'> }
  | { Delete: Input<'Delete'> }
  | { ConditionCheck: Input<'ConditionCheck'> };

/** What a registered write means when it fails. */
export type WriteOptions = {
  /**
   * When this write's ConditionExpression fails: `'retry'` the record later (the condition may
   * hold then, e.g. once a balance is topped up), or `'dead-letter'` it at once as poison (it never
   * will: the same input fails the same way) with a `WriteConditionFailedError`.
   * @default 'retry'
   */
  onConditionFailure?: 'retry' | 'dead-letter';
};

/**
 * Collects the DynamoDB writes of one exactly-once call. They are committed in the same
 * `TransactWriteItems` as the completion record, so either the effects and the record both
 * land or neither does.
 *
 * @example
 * makeIdempotent(async (order, { transaction }) => {
 *   transaction.put({ TableName: 'payments', Item: { pk: order.id, amount: order.amount } });
 * }, options);
 */
export type TransactionCollector = {
  put(put: Input<'Put'>, options?: WriteOptions): void;
  update(update: Input<'Update'>, options?: WriteOptions): void;
  delete(del: Input<'Delete'>, options?: WriteOptions): void;
  conditionCheck(check: Input<'ConditionCheck'>, options?: WriteOptions): void;
  /** The writes registered so far, in order. */
  readonly writes: readonly TransactWrite[];
  /** The error to dead-letter with when `error` is a write's condition failing that was registered as poison. */
  poisoned(error: unknown): WriteConditionFailedError | undefined;
};

// TransactWriteItems takes at most 100 actions, one of which is the idempotency record.
// https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html
export const MAX_TRANSACTION_WRITES = 99;

/**
 * Creates a collector; with `disabledReason` every registration throws with it. Writes made by
 * `putIfAbsent`/`updateOncePerKey` carry their condition only in effect-conditional mode
 * (`guards: true`); anywhere else they would land unguarded, so they are refused.
 */
export const createTransactionCollector = (
  disabledReason?: string,
  limit = MAX_TRANSACTION_WRITES,
  guards = false,
): TransactionCollector => {
  const writes: TransactWrite[] = [];
  const poison = new Set<TransactWrite>();
  const add = (write: TransactWrite, options?: WriteOptions) => {
    if (disabledReason) throw new IdempotencyTransactionError(disabledReason);
    if (!guards && guardOf(write)) {
      throw new IdempotencyTransactionError(
        "putIfAbsent and updateOncePerKey carry the idempotency condition only in mode 'effect-conditional'; " +
          'register a plain write here (the idempotency record already guards it).',
      );
    }
    if (writes.length >= limit) {
      throw new IdempotencyTransactionError(
        `A transaction holds at most ${limit} writes beside the idempotency record (DynamoDB's limit is 100 actions); ` +
          'split the work or write the rest outside the transaction.',
      );
    }
    writes.push(write);
    if (options?.onConditionFailure === 'dead-letter') poison.add(write);
  };
  return {
    put: (Put, options) => add({ Put }, options),
    update: (Update, options) => add({ Update }, options),
    delete: (Delete, options) => add({ Delete }, options),
    conditionCheck: (ConditionCheck, options) => add({ ConditionCheck }, options),
    get writes() {
      return writes;
    },
    poisoned: (error) => poisonedWrite(error, writes, poison),
  };
};

/**
 * A `TransactionCanceledException` whose cancellation reason, at a write registered with
 * `onConditionFailure: 'dead-letter'`, is `ConditionalCheckFailed`: that write's error. The
 * reasons follow the order of TransactItems, whose first is the idempotency record.
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html
 */
const poisonedWrite = (
  error: unknown,
  writes: readonly TransactWrite[],
  poison: ReadonlySet<TransactWrite>,
): WriteConditionFailedError | undefined => {
  const reasons = (error as { name?: string; CancellationReasons?: { Code?: string }[] })
    ?.CancellationReasons;
  if ((error as Error)?.name !== 'TransactionCanceledException' || !Array.isArray(reasons)) return undefined;
  const index = writes.findIndex(
    (write, i) => poison.has(write) && reasons[i + 1]?.Code === 'ConditionalCheckFailed',
  );
  return index < 0 ? undefined : new WriteConditionFailedError(index + 1, { cause: error });
};
