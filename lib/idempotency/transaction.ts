import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { guardOf } from './effect-writes.ts';
import { IdempotencyTransactionError, WriteConditionFailedError } from './errors.ts';
import { actionSize, sizeOf } from './item-size.ts';

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
  /**
   * The error a failed commit fails with when `error` is the condition of a write registered with
   * a meaning of its own failing: `WriteConditionFailedError` for `onConditionFailure: 'dead-letter'`
   * (poison), or the library's own (a FIFO fence's `LateCommitFencedError`).
   */
  poisoned(error: unknown): unknown;
};

/** Library-internal: a write whose failed condition means `failsWith()`. */
export type InternalWriteOptions = WriteOptions & {
  failsWith?: (reason: { Code?: string; Item?: Record<string, unknown> }) => unknown;
};

// TransactWriteItems takes at most 100 actions, one of which is the idempotency record.
// https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html
export const MAX_TRANSACTION_WRITES = 99;

// A transaction's items total at most 4 MB; one item is at most 400 KB.
// https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html
// https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html
export const MAX_TRANSACTION_BYTES = 4 * 1024 * 1024;
export const MAX_ITEM_BYTES = 400 * 1024;

/** An item's key as one string: a number is a number however given (number, BigInt, NumberValue), binary by its bytes. */
export const stableKey = (key: Record<string, unknown>) =>
  Object.keys(key)
    .sort()
    .map((name) => {
      const value = key[name];
      if (value instanceof Uint8Array) return `${name}=b:${Buffer.from(value).toString('base64')}`;
      return `${name}=${typeof value === 'string' ? 's' : 'n'}:${String(value)}`;
    })
    .join('\u0000');

/**
 * Two writes of one call on one item: DynamoDB refuses two actions on one item in a transaction.
 * A put's key is known once another write of the same table named its key attributes.
 */
const sameItem = (writes: readonly TransactWrite[]): boolean => {
  const keyNames = new Map<string, string[]>();
  const inputs = writes.map(
    (write) =>
      Object.values(write)[0] as {
        TableName?: string;
        Key?: Record<string, unknown>;
        Item?: Record<string, unknown>;
      },
  );
  for (const { TableName, Key } of inputs) if (Key) keyNames.set(String(TableName), Object.keys(Key));
  const seen = new Set<string>();
  for (const { TableName, Key, Item } of inputs) {
    const names = keyNames.get(String(TableName));
    const key =
      Key ?? (names && Item ? Object.fromEntries(names.map((name) => [name, Item[name]])) : undefined);
    if (!key) continue;
    const id = `${TableName}\u0001${stableKey(key)}`;
    if (seen.has(id)) return true;
    seen.add(id);
  }
  return false;
};

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
  const poison = new Map<TransactWrite, (index: number, cause: unknown) => unknown>();
  let bytes = 0;
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
    // Refused here, whatever the mode, so it is dead-lettered at once instead of retried until
    // the redrive: DynamoDB would refuse the same input every time.
    // An update's values alone over 400 KB can never fit the item either.
    const itemBytes =
      'Put' in write
        ? sizeOf(write.Put.Item)
        : 'Update' in write
          ? sizeOf(write.Update.ExpressionAttributeValues)
          : 0;
    if (itemBytes > MAX_ITEM_BYTES) {
      throw new IdempotencyTransactionError(
        `A registered write's item is ${itemBytes} bytes; DynamoDB's limit is ${MAX_ITEM_BYTES} (400 KB). Store the large part elsewhere (S3) and keep a reference.`,
      );
    }
    const total = bytes + actionSize(write as Record<string, unknown>);
    if (total > MAX_TRANSACTION_BYTES) {
      throw new IdempotencyTransactionError(
        `The registered writes total about ${total} bytes; a DynamoDB transaction holds at most 4 MB. Split the work or write the rest outside the transaction.`,
      );
    }
    if (sameItem([...writes, write])) {
      throw new IdempotencyTransactionError(
        'Two registered writes touch one item; DynamoDB refuses two actions on one item in a transaction. Merge them into one write.',
      );
    }
    bytes = total;
    writes.push(write);
    const failsWith = (options as InternalWriteOptions | undefined)?.failsWith;
    if (failsWith) poison.set(write, (index, cause) => failsWith(reasonAt(cause, index)));
    else if (options?.onConditionFailure === 'dead-letter')
      poison.set(write, (index, cause) => new WriteConditionFailedError(index, { cause }));
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
const reasonAt = (cause: unknown, index: number) =>
  ((cause as { CancellationReasons?: { Code?: string; Item?: Record<string, unknown> }[] })
    ?.CancellationReasons ?? [])[index] ?? {};

const poisonedWrite = (
  error: unknown,
  writes: readonly TransactWrite[],
  poison: ReadonlyMap<TransactWrite, (index: number, cause: unknown) => unknown>,
): unknown => {
  const reasons = (error as { name?: string; CancellationReasons?: { Code?: string }[] })
    ?.CancellationReasons;
  if ((error as Error)?.name !== 'TransactionCanceledException' || !Array.isArray(reasons)) return undefined;
  const index = writes.findIndex(
    (write, i) => poison.has(write) && reasons[i + 1]?.Code === 'ConditionalCheckFailed',
  );
  const write = writes[index];
  return write === undefined ? undefined : poison.get(write)?.(index + 1, error);
};
