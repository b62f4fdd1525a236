import { IdempotencyTransactionError } from './errors.ts';
import { completedRecord } from './mode-exactly-once.ts';
import type { BeginOutcome, KeyedCall } from './session.ts';
import { cancellationOf, commitAlone, type StagedCommit } from './staged-commit.ts';
import { createTransactionCollector } from './transaction.ts';

/**
 * Exactly-once for group commit: the optimistic commit (no lease; the record is put if the key is
 * free, with the call's writes) whose record and writes are staged for a transaction shared with
 * the calls of the same group run. A duplicate is found by the record's failed condition.
 */
export const exactlyOnceStaged = async <Result>(call: KeyedCall<Result>): Promise<BeginOutcome<Result>> => {
  const transactional = call.store.transactional;
  if (!transactional) {
    throw new IdempotencyTransactionError(
      'Group commit needs a store that commits transactions, such as dynamoDBStore({ tableName }).',
    );
  }
  const { key, base } = call;
  const context = { key, transaction: createTransactionCollector(), lambdaContext: call.lambdaContext };
  let replayed = false;

  const stage = (result: Result): StagedCommit => {
    const record = completedRecord(call, result);
    return {
      key,
      nonce: base.owner,
      actions: [transactional.recordPut(record, call.nowMs), ...context.transaction.writes],
      guard: 0,
      documents: transactional.documents,
      conditionFailed(old) {
        const existing = transactional.toRecord(old);
        if (!existing)
          return { error: new IdempotencyTransactionError(`The record of key "${key}" vanished.`) };
        // An SDK retry of this call's own put, whose first attempt landed.
        if (existing.owner === base.owner) return { landed: true };
        try {
          call.existing(existing);
          return { duplicate: true };
        } catch (error) {
          // Held by a live lease elsewhere, or the same key with another payload.
          return { error };
        }
      },
      readBack: { TableName: transactional.tableName, Key: { pk: key } },
      landed(item) {
        const existing = transactional.toRecord(item);
        if (!existing) return 'none';
        if (existing.owner === base.owner) return 'this';
        // Another call's live completion. An expired one (TTL can leave it readable for days) holds
        // nothing: this delivery must run again, not be taken for a duplicate.
        const live = existing.expiresAt * 1000 > call.now();
        if (existing.status !== 'COMPLETED' || !live) return 'none';
        // Settled as a claim meeting it would be: a duplicate, or the same key with another payload.
        try {
          call.existing(existing);
          return 'other';
        } catch (error) {
          return { error };
        }
      },
      committed: () => call.remember(record),
      poisoned: (reasons) => context.transaction.poisoned(cancellationOf(reasons)),
    };
  };

  return {
    run: true,
    session: {
      context,
      stage,
      async succeed(result) {
        if ((await commitAlone(stage(result))) === 'committed') return result;
        replayed = true;
        return result;
      },
      fail: async () => {},
      get replayed() {
        return replayed;
      },
    },
  };
};
