import {
  readBack,
  type StagedCommit,
  sendStaged,
  type TransactItem,
  verdictOf,
} from '../idempotency/staged-commit.ts';
import { loggedMessage, type PreparedRecord } from './message.ts';
import { isRetried, type RecordOutcome } from './outcome.ts';
import { type BatchEnv, deadLetter, isNonRetryable } from './process-record.ts';

/** A record whose handler ran, with its staged writes. */
export type Entry<Body> = { item: PreparedRecord<Body>; staged: StagedCommit; started: number };

const stable = (key: Record<string, unknown>) =>
  JSON.stringify(
    Object.keys(key)
      .sort()
      .map((name) => [name, key[name]]),
  );

/** What a call's actions touch: items as `table + key`, and tables where a put's key is unknown. */
export type Touched = { items: string[]; unkeyed: string[] };

/**
 * The items a call's actions touch. Updates, deletes and checks name their key; a put's key is
 * known once the table's key attributes were seen (another action's key, a guarded item's). A put
 * on a table never seen keyed counts as touching every item of that table, so it never shares a
 * transaction with another write there: DynamoDB would refuse two actions on one item, and the
 * second record's handler must run again on the committed state.
 */
export const touchedBy = (staged: StagedCommit, keyNames: Map<string, string[]>): Touched => {
  keyNames.set(staged.readBack.TableName, Object.keys(staged.readBack.Key));
  const inputs = staged.actions.map((action: TransactItem) => {
    const input = (action.Put ?? action.Update ?? action.Delete ?? action.ConditionCheck) as {
      TableName: string;
      Key?: Record<string, unknown>;
      Item?: Record<string, unknown>;
    };
    if (input.Key) keyNames.set(input.TableName, Object.keys(input.Key));
    return input;
  });
  const touched: Touched = { items: [], unkeyed: [] };
  for (const { TableName, Key, Item } of inputs) {
    const names = keyNames.get(TableName);
    const key =
      Key ?? (names && Item ? Object.fromEntries(names.map((name) => [name, Item[name]])) : undefined);
    if (key) touched.items.push(`${TableName}\n${stable(key)}`);
    else touched.unkeyed.push(TableName);
  }
  return touched;
};

const processed = <Body>(env: BatchEnv<Body>, entry: Entry<Body>): RecordOutcome => {
  entry.staged.committed();
  const finishedAt = env.now();
  return { kind: 'processed', durationMs: finishedAt - entry.started, finishedAt };
};

const duplicate = <Body>(env: BatchEnv<Body>, entry: Entry<Body>): RecordOutcome => {
  env.log.duplicate(loggedMessage(entry.item, env.queue), 'idempotency');
  return { kind: 'duplicate', reason: 'idempotency' };
};

const skipped: RecordOutcome = { kind: 'not-run', reason: 'group-failed' };

/**
 * Commits the staged writes of consecutive records of one group in one transaction, and says what
 * became of each. A cancelled transaction writes nothing; its reasons, one per action in order,
 * name the records: a failed record guard is a duplicate, any other failure is that record's own
 * (it is reported alone, and the records after it are not committed); the rest are sent again.
 * A refused request (two actions on one item, a size limit) falls back to one commit per record.
 * An ambiguous outcome is settled by reading each record's guarded item back.
 */
export const commitEntries = async <Body>(
  env: BatchEnv<Body>,
  entries: readonly Entry<Body>[],
): Promise<Map<PreparedRecord<Body>, RecordOutcome>> => {
  const results = new Map<PreparedRecord<Body>, RecordOutcome>();
  // The earliest record whose own writes failed; everything after it is skipped.
  let blocked: { entry: Entry<Body>; error: unknown } | undefined;
  const block = (entry: Entry<Body>, error: unknown) => {
    if (blocked) results.set(blocked.entry.item, skipped);
    blocked = { entry, error };
  };
  let pending = [...entries];

  // Each round commits, or takes out, at least one record: at most entries.length + 1 rounds.
  for (let round = 0; pending.length > 0 && round <= entries.length; round++) {
    const sent = await sendStaged(pending.map((entry) => entry.staged));
    if (sent.kind === 'committed') {
      for (const entry of pending) results.set(entry.item, processed(env, entry));
      pending = [];
    } else if (sent.kind === 'invalid' && pending.length === 1) {
      block(pending[0] as Entry<Body>, sent.error);
      pending = [];
    } else if (sent.kind === 'invalid') {
      // DynamoDB does not say which record it refused: one commit per record, in order.
      let failed = false;
      for (const entry of pending) {
        const alone = failed ? new Map([[entry.item, skipped]]) : await commitEntries(env, [entry]);
        for (const [item, outcome] of alone) {
          results.set(item, outcome);
          failed ||= isRetried(outcome);
        }
      }
      pending = [];
    } else if (sent.kind === 'ambiguous') {
      // The transaction is atomic: once one record did not land, the later ones did not either.
      let missing = false;
      for (const entry of pending) {
        const landed = missing ? 'none' : await readBack(entry.staged).catch(() => 'none' as const);
        if (landed === 'this') results.set(entry.item, processed(env, entry));
        else if (landed === 'other') results.set(entry.item, duplicate(env, entry));
        else if (missing) results.set(entry.item, skipped);
        else {
          missing = true;
          block(entry, sent.error);
        }
      }
      pending = [];
    } else {
      const next: Entry<Body>[] = [];
      let offset = 0;
      for (const entry of pending) {
        const reasons = sent.reasons.slice(offset, offset + entry.staged.actions.length);
        offset += entry.staged.actions.length;
        if (blocked && entries.indexOf(blocked.entry) < entries.indexOf(entry)) {
          results.set(entry.item, skipped);
          continue;
        }
        const verdict = verdictOf(entry.staged, reasons);
        if (verdict.kind === 'duplicate') results.set(entry.item, duplicate(env, entry));
        else if (verdict.kind === 'error') block(entry, verdict.error);
        else next.push(entry);
      }
      pending = next;
    }
  }
  for (const entry of pending) results.set(entry.item, skipped);

  if (blocked) {
    const { entry, error } = blocked;
    for (const later of entries.slice(entries.indexOf(entry) + 1)) results.set(later.item, skipped);
    const earlierRetried = entries
      .slice(0, entries.indexOf(entry))
      .some((earlier) => isRetried(results.get(earlier.item) ?? skipped));
    if (earlierRetried) results.set(entry.item, skipped);
    else if (isNonRetryable(error)) results.set(entry.item, await deadLetter(env, entry.item, error));
    else {
      env.log.failed(loggedMessage(entry.item, env.queue), error, true);
      results.set(entry.item, { kind: 'failed', error });
    }
  }
  return results;
};
