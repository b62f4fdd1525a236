import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { IdempotencyTransactionError } from './errors.ts';
import type { BeginOutcome, KeyWindow } from './session.ts';
import { cancellationOf, type StagedCommit } from './staged-commit.ts';
import { createTransactionCollector } from './transaction.ts';

export type WindowCall = {
  key: string;
  window: KeyWindow;
  lambdaContext?: Context;
  /** Called once the chunk holding the call committed: this run settles a repeat of the key without a request. */
  remember: () => void;
};

/**
 * Exactly-once without a record per key (`record: 'group-window'`, sqsBatch on a FIFO queue): the
 * key was not in its group's window, so the handler runs and its writes are staged with nothing
 * beside them. The group's one window update, added once per chunk by the group commit, carries
 * the idempotency condition for every call of the chunk (lib/sqs/group-window.ts).
 */
export const groupWindowSession = <Result>(call: WindowCall): BeginOutcome<Result> => {
  const { key, window } = call;
  // The 100th action of a transaction is the window's.
  const transaction = createTransactionCollector();
  const context = { key, transaction, lambdaContext: call.lambdaContext };
  const stage = (): StagedCommit => ({
    key,
    nonce: randomUUID(),
    actions: [...transaction.writes],
    // No action of the call carries the idempotency condition: the window's does.
    guard: -1,
    documents: window.documents,
    conditionFailed: () => ({
      error: new IdempotencyTransactionError(`Key "${key}" has no guard write of its own.`),
    }),
    readBack: window.readBack,
    landed: (item) => window.landed(item, key),
    committed: call.remember,
    // The collector counts a record's reason first; there is none here.
    poisoned: (reasons) => transaction.poisoned(cancellationOf([{ Code: 'None' }, ...reasons])),
  });
  return {
    run: true,
    session: {
      context,
      stage,
      succeed: async () => {
        throw new IdempotencyTransactionError(
          "record 'group-window' commits only with its group's window (sqsBatch group commit).",
        );
      },
      fail: async () => {},
      replayed: false,
    },
  };
};
