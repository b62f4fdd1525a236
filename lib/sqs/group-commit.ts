import { IdempotencyTransactionError } from '../idempotency/errors.ts';
import type { StagedCommit } from '../idempotency/staged-commit.ts';
import { commitEntries, type Entry, type Touched, touchedBy } from './group-chunk.ts';
import { loggedMessage, type PreparedRecord, type SqsMessage } from './message.ts';
import { isRetried, type RecordOutcome } from './outcome.ts';
import { type BatchEnv, deadLetter, isNonRetryable } from './process-record.ts';

// One TransactWriteItems holds at most 100 actions and 4 MB, and no two actions on one item.
// https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html
const MAX_ACTIONS = 100;
const MAX_BYTES = 4 * 1024 * 1024;

export type GroupControl = {
  /** Asked before each record starts: a reason not to start it (the time guard), or undefined. */
  mustNotStart: () => 'time-guard' | 'batch-stopped' | undefined;
  /** Told when a record is reported for retry (`stop-batch` stops the other groups). */
  retried: () => void;
};

type Step =
  | { kind: 'staged'; staged: StagedCommit; started: number }
  | { kind: 'done'; outcome: RecordOutcome }
  | { kind: 'poison'; error: unknown };

const failedStep = <Body>(env: BatchEnv<Body>, item: PreparedRecord<Body>, error: unknown): Step => {
  if (isNonRetryable(error)) return { kind: 'poison', error };
  env.log.failed(loggedMessage(item, env.queue), error, true);
  return { kind: 'done', outcome: { kind: 'failed', error } };
};

/** Begin, run the handler, stage its writes; a key already staged in this run is a duplicate without running. */
const stageRecord = async <Body>(
  env: BatchEnv<Body>,
  item: PreparedRecord<Body>,
  message: SqsMessage<Body>,
  seen: ReadonlySet<string>,
): Promise<Step> => {
  let begun: Awaited<ReturnType<typeof env.engine.begin>>;
  try {
    begun = await env.engine.begin(message, env.lambdaContext);
  } catch (error) {
    return failedStep(env, item, error);
  }
  if (!begun.run || seen.has(begun.session.context.key)) {
    env.log.duplicate(loggedMessage(item, env.queue), 'idempotency');
    return { kind: 'done', outcome: { kind: 'duplicate', reason: 'idempotency' } };
  }
  const { session } = begun;
  const started = env.now();
  try {
    const result = await env.handler(message, {
      lambdaContext: env.lambdaContext,
      transaction: session.context.transaction,
    });
    if (!session.stage) throw new IdempotencyTransactionError('This idempotency mode cannot stage writes.');
    return { kind: 'staged', staged: session.stage(result), started };
  } catch (error) {
    return failedStep(env, item, error);
  }
};

/**
 * Runs one group's records in order under group commit: each handler's writes are staged, and the
 * staged writes of consecutive records commit in as few `TransactWriteItems` as DynamoDB allows.
 * A record whose writes touch an item already pending flushes what is pending and runs again, so
 * its reads see the committed state. Poison waits until everything before it is committed. Once a
 * record is reported for retry, the records after it are too (skip-group), committed or not.
 */
export const runGroupCommitted = async <Body>(
  env: BatchEnv<Body>,
  group: readonly PreparedRecord<Body>[],
  control: GroupControl,
): Promise<Map<PreparedRecord<Body>, RecordOutcome>> => {
  const results = new Map<PreparedRecord<Body>, RecordOutcome>();
  const keyNames = new Map<string, string[]>();
  const seen = new Set<string>();
  const empty = () => ({ entries: [] as Entry<Body>[], actions: 0, bytes: 0, items: new Set<string>() });
  let chunk = empty();
  const tableOf = (id: string) => id.slice(0, id.indexOf('\n'));
  // An unkeyed put touches its whole table (`table\n*`): it conflicts with any write there.
  const conflicts = ({ items, unkeyed }: Touched) =>
    items.some((id) => chunk.items.has(id) || chunk.items.has(`${tableOf(id)}\n*`)) ||
    unkeyed.some((table) => [...chunk.items].some((id) => tableOf(id) === table));
  let failed = false;

  const fail = () => {
    if (!failed) control.retried();
    failed = true;
  };
  const flush = async () => {
    if (chunk.entries.length === 0) return;
    const { entries } = chunk;
    chunk = empty();
    for (const [item, outcome] of await commitEntries(env, entries)) results.set(item, outcome);
    const first = group.findIndex((item) => {
      const outcome = results.get(item);
      return outcome !== undefined && isRetried(outcome);
    });
    if (first < 0) return;
    fail();
    for (const later of group.slice(first + 1))
      if (results.has(later)) results.set(later, { kind: 'not-run', reason: 'group-failed' });
  };
  const skipped = { kind: 'not-run', reason: 'group-failed' } as const;

  for (const item of group) {
    const reason = failed ? 'group-failed' : control.mustNotStart();
    if (reason) {
      results.set(item, { kind: 'not-run', reason });
      failed = true;
      continue;
    }
    let step: Step = { kind: 'poison', error: item.parseError };
    // A second pass only after a flush for an item conflict: the handler runs again on committed state.
    for (let pass = 0; item.message && item.parseError === undefined && pass < 2; pass++) {
      step = await stageRecord(env, item, item.message, seen);
      if (step.kind !== 'staged') break;
      const touched = touchedBy(step.staged, keyNames);
      if (new Set(touched.items).size !== touched.items.length) {
        step = failedStep(
          env,
          item,
          new IdempotencyTransactionError(
            'This record registered two writes on one item; DynamoDB refuses two actions on one item in a transaction. Merge them into one.',
          ),
        );
        break;
      }
      const bytes = Buffer.byteLength(JSON.stringify(step.staged.actions));
      const conflict = conflicts(touched);
      const full =
        chunk.actions + step.staged.actions.length > MAX_ACTIONS || chunk.bytes + bytes > MAX_BYTES;
      if (conflict || full) {
        await flush();
        if (failed) {
          step = { kind: 'done', outcome: skipped };
          break;
        }
        if (conflict && pass === 0) continue;
      }
      chunk.entries.push({ item, staged: step.staged, started: step.started });
      chunk.actions += step.staged.actions.length;
      chunk.bytes += bytes;
      for (const id of touched.items) chunk.items.add(id);
      for (const table of touched.unkeyed) chunk.items.add(`${table}\n*`);
      seen.add(step.staged.key);
      break;
    }
    if (step.kind === 'staged') continue;
    if (step.kind === 'poison') {
      // Acknowledged at once, so only after every record before it is committed.
      await flush();
      results.set(item, failed ? skipped : await deadLetter(env, item, step.error));
      continue;
    }
    results.set(item, step.outcome);
    if (isRetried(step.outcome)) fail();
  }
  await flush();
  return results;
};
