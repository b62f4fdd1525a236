import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
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

/** Creates a collector; `enabled: false` makes every registration throw with `reason`. */
export const createTransactionCollector = (
  disabledReason?: string,
  limit = MAX_TRANSACTION_WRITES,
): TransactionCollector => {
  const writes: TransactWrite[] = [];
  const add = (write: TransactWrite) => {
    if (disabledReason) throw new IdempotencyTransactionError(disabledReason);
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
