import { IdempotencyResultTooLargeError, IdempotencyTransactionError } from './errors.ts';
import type { BeginOutcome, KeyedCall } from './session.ts';
import { commitAlone, type StagedCommit } from './staged-commit.ts';
import { createTransactionCollector } from './transaction.ts';
import type { IdempotencyRecord } from './types.ts';

// DynamoDB items are at most 400 KB, attribute names included; leave room for the other attributes.
// https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html
const MAX_RESULT_BYTES = 400 * 1024 - 2048;

/**
 * Exactly-once for group commit: the optimistic commit (no lease; the record is put if the key is
 * free, with the call's writes) whose record and writes are staged for a transaction shared with
 * the calls of the same group run. A duplicate is found by the record's failed condition.
 */
export const exactlyOnceStaged = async <Result>(
  call: KeyedCall<Result> & { storeResult: boolean },
): Promise<BeginOutcome<Result>> => {
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
    const record: IdempotencyRecord = { ...base, status: 'COMPLETED' };
    const json = call.storeResult ? JSON.stringify(result) : undefined;
    if (json !== undefined) {
      const bytes = Buffer.byteLength(json);
      if (bytes > MAX_RESULT_BYTES) throw new IdempotencyResultTooLargeError(key, bytes);
      record.result = json;
    }
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
        return existing.status === 'COMPLETED' ? 'other' : 'none';
      },
      committed: () => {},
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
