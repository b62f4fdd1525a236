import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { guardOf } from './effect-writes.ts';
import { IdempotencyTransactionError } from './errors.ts';

type Item = NonNullable<TransactWriteCommandInput['TransactItems']>[number];
type Input<K extends keyof Item> = Omit<NonNullable<Item[K]>, 'ReturnValuesOnConditionCheckFailure'>;

/** One write, in the document client's shape (plain JavaScript values, not AttributeValues). */
export type TransactWrite =
  | { Put: Input<'Put'> }
  | { Update: Input<'Update'> }
  | { Delete: Input<'Delete'> }
  | { ConditionCheck: Input<'ConditionCheck'> };

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
  put(put: Input<'Put'>): void;
  update(update: Input<'Update'>): void;
  delete(del: Input<'Delete'>): void;
  conditionCheck(check: Input<'ConditionCheck'>): void;
  /** The writes registered so far, in order. */
  readonly writes: readonly TransactWrite[];
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
  const add = (write: TransactWrite) => {
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
  };
  return {
    put: (Put) => add({ Put }),
    update: (Update) => add({ Update }),
    delete: (Delete) => add({ Delete }),
    conditionCheck: (ConditionCheck) => add({ ConditionCheck }),
    get writes() {
      return writes;
    },
  };
};
