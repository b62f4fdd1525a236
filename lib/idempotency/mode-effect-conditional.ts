import { randomUUID } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { type EffectGuard, guardOf, updateOncePerKey } from './effect-writes.ts';
import { EffectConditionFailedError, IdempotencyTransactionError } from './errors.ts';
import type { BeginOutcome } from './session.ts';
import { cancellationOf, commitAlone, type StagedCommit, withOldItem } from './staged-commit.ts';
import { createTransactionCollector, type TransactionCollector } from './transaction.ts';

// With no record, all 100 actions of a transaction are the call's own.
// https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html
const MAX_ACTIONS = 100;

export type EffectCall = {
  key: string;
  documents: DynamoDBDocumentClient;
  lambdaContext?: Context;
  /** Called once the guard write committed: this run settles a repeat of the key without a request. */
  remember?: () => void;
};

/** The call's writes with its one guard write carrying the idempotency condition for `key`. */
export const stageEffects = (call: EffectCall, transaction: TransactionCollector): StagedCommit => {
  const { writes } = transaction;
  const guarded = writes.flatMap((write, index) => {
    const guard = guardOf(write);
    return guard ? [{ index, guard }] : [];
  });
  // A lone plain update is the common shape: it is guarded as updateOncePerKey would guard it.
  const [lone] = writes;
  if (guarded.length === 0 && writes.length === 1 && lone && 'Update' in lone) {
    guarded.push({ index: 0, guard: guardOf({ Update: updateOncePerKey(lone.Update) }) as EffectGuard });
  }
  const [only] = guarded;
  if (!only || guarded.length > 1) {
    throw new IdempotencyTransactionError(
      `mode 'effect-conditional' needs exactly one write made with putIfAbsent(…) or updateOncePerKey(…) — its ` +
        `condition is the idempotency check — (or a single plain update, guarded like updateOncePerKey) and this ` +
        `call registered ${guarded.length}. Other writes may join it as plain writes; they commit in the same transaction.`,
    );
  }
  const { key } = call;
  const { index, guard } = only;
  const nonce = randomUUID();
  return {
    key,
    nonce,
    actions: writes.map((write, i) => (i === index ? withOldItem(guard.action(key, nonce)) : write)),
    guard: index,
    documents: call.documents,
    conditionFailed: (old) => {
      if (guard.wroteBy(old, nonce)) return { landed: true };
      if (guard.applied(old, key)) return { duplicate: true };
      // Not a duplicate: the guard's own condition failed, poison if it was registered so.
      const reasons = writes.map((_, i) => ({ Code: i === index ? 'ConditionalCheckFailed' : 'None' }));
      const poison = transaction.poisoned(cancellationOf([{ Code: 'None' }, ...reasons]));
      return { error: poison ?? new EffectConditionFailedError(key, old) };
    },
    readBack: guard.item,
    landed: (item) => (guard.wroteBy(item, nonce) ? 'this' : guard.applied(item, key) ? 'other' : 'none'),
    committed: () => call.remember?.(),
    // The collector counts the record's reason first; there is none here.
    poisoned: (reasons) => transaction.poisoned(cancellationOf([{ Code: 'None' }, ...reasons])),
  };
};

/**
 * Effect-conditional exactly-once (the seed's database-level idempotency, "INSERT IGNORE"): no
 * record. The call's one guard write carries the idempotency condition itself, so a first delivery
 * costs one conditional write (one request, one write unit when it is the only write) and a
 * repeat fails that condition: a duplicate, acknowledged without effect, with no result to replay.
 */
export const effectConditional = <Result>(call: EffectCall): BeginOutcome<Result> => {
  const context = {
    key: call.key,
    transaction: createTransactionCollector(undefined, MAX_ACTIONS, true),
    lambdaContext: call.lambdaContext,
  };
  let replayed = false;
  return {
    run: true,
    session: {
      context,
      stage: () => stageEffects(call, context.transaction),
      async succeed(result) {
        if ((await commitAlone(stageEffects(call, context.transaction))) === 'committed') return result;
        replayed = true;
        return undefined as Result;
      },
      fail: async () => {},
      get replayed() {
        return replayed;
      },
    },
  };
};
