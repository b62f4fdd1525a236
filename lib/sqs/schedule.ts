import type { SQSRecord } from 'aws-lambda';
import { appendTo } from '../collections.ts';
import { type GroupControl, runGroupCommitted } from './group-commit.ts';
import { envelopeOf, type PreparedRecord, type SqsMessage } from './message.ts';
import type { CountedOutcome, RecordOutcome } from './outcome.ts';
import { isRetried } from './outcome.ts';
import { type BatchEnv, processRecord } from './process-record.ts';
import type { SequenceGuardOptions } from './sequence-guard.ts';

/** FIFO when asked, or (`'auto'`) when the source ARN ends in `.fifo` or records carry a message group. */
const isFifoBatch = (records: readonly SQSRecord[], ordering: 'auto' | 'fifo' | 'none'): boolean =>
  ordering === 'fifo' ||
  (ordering === 'auto' &&
    ((records[0]?.eventSourceARN ?? '').endsWith('.fifo') ||
      records.some((r) => r.attributes?.MessageGroupId)));

/** Splits the batch into the groups that must run in order: FIFO message groups, or sequence keys sorted by number. */
const groupsOf = <Body>(
  prepared: readonly PreparedRecord<Body>[],
  fifo: boolean,
  sequence: Pick<SequenceGuardOptions<Body>, 'key' | 'seq'> | undefined,
): PreparedRecord<Body>[][] => {
  const groups = new Map<string, PreparedRecord<Body>[]>();
  const seqOf = new Map<PreparedRecord<Body>, number>();
  for (const item of prepared) {
    let groupKey = item.record.messageId;
    if (fifo) groupKey = `g:${item.record.attributes?.MessageGroupId ?? item.record.messageId}`;
    else if (sequence) {
      // A record whose body does not parse is still ordered by the key and number it carries.
      const message = item.message ?? (envelopeOf(item.record) as SqsMessage<Body>);
      try {
        groupKey = `s:${sequence.key(message)}`;
        seqOf.set(item, sequence.seq(message));
      } catch {
        // A message whose key cannot be read runs alone; the guard will report it.
      }
    }
    appendTo(groups, groupKey, item);
  }
  const list = [...groups.values()];
  // Standard queues deliver in any order: within a sequence key, run the lowest number first.
  if (!fifo && sequence)
    for (const group of list) group.sort((a, b) => (seqOf.get(a) ?? 0) - (seqOf.get(b) ?? 0));
  return list;
};

export type ScheduleOptions<Item, Outcome extends RecordOutcome> = {
  /** Items of one group run one at a time, in order; groups run concurrently. */
  groups: Item[][];
  concurrency: number;
  onFailure: 'skip-group' | 'stop-batch';
  run: (item: Item) => Promise<Outcome>;
  /** Asked before each item starts: a reason not to start it (the time guard), or undefined. */
  mustNotStart: () => 'time-guard' | undefined;
  /** Runs a whole group instead of `run` item by item (group commit), under the same stops. */
  runGroup?: (group: Item[], control: GroupControl) => Promise<Map<Item, Outcome | RecordOutcome>>;
};

/**
 * Runs groups concurrently (at most `concurrency` at a time) and the items of each group in
 * order. Once an item is reported for retry, the rest of its group (`skip-group`) or every
 * item not yet started (`stop-batch`) is reported too without running: a later message of a
 * group must never be acknowledged while an earlier one goes back to the queue.
 */
const runGroups = async <Item, Outcome extends RecordOutcome>(
  options: ScheduleOptions<Item, Outcome>,
): Promise<Map<Item, Outcome | RecordOutcome>> => {
  const outcomes = new Map<Item, Outcome | RecordOutcome>();
  let stopped = false;
  let nextGroup = 0;

  const runGroup = async (group: Item[]) => {
    if (options.runGroup) {
      const control: GroupControl = {
        mustNotStart: () => (stopped ? 'batch-stopped' : options.mustNotStart()),
        retried: () => {
          if (options.onFailure === 'stop-batch') stopped = true;
        },
      };
      for (const [item, outcome] of await options.runGroup(group, control)) outcomes.set(item, outcome);
      return;
    }
    let groupFailed = false;
    for (const item of group) {
      const reason = stopped ? 'batch-stopped' : groupFailed ? 'group-failed' : options.mustNotStart();
      if (reason) {
        outcomes.set(item, { kind: 'not-run', reason });
        groupFailed = true;
        continue;
      }
      const outcome = await options.run(item);
      outcomes.set(item, outcome);
      if (isRetried(outcome)) {
        groupFailed = true;
        if (options.onFailure === 'stop-batch') stopped = true;
      }
    }
  };

  const worker = async () => {
    while (nextGroup < options.groups.length) {
      const group = options.groups[nextGroup++];
      if (group) await runGroup(group);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, options.groups.length) }, worker));
  return outcomes;
};

/** When less than this remains, no record starts: at most half of the time the invocation began with. */
const timeGuard = (env: BatchEnv<unknown>) => {
  const remaining = env.lambdaContext?.getRemainingTimeInMillis?.bind(env.lambdaContext);
  if (!remaining) return () => undefined;
  // A short function timeout still gets work done.
  const guardMs = Math.min(env.timeGuardMs, remaining() / 2);
  return () => (remaining() < guardMs ? ('time-guard' as const) : undefined);
};

/**
 * Runs a parsed batch: its ordered groups (FIFO message groups, or sequence keys) concurrently,
 * each record through `processRecord`, none started once the time guard trips.
 */
export const runBatch = <Body>(
  env: BatchEnv<Body>,
  prepared: readonly PreparedRecord<Body>[],
): Promise<Map<PreparedRecord<Body>, CountedOutcome>> =>
  runGroups({
    groups: groupsOf(
      prepared,
      isFifoBatch(
        prepared.map((item) => item.record),
        env.ordering,
      ),
      env.sequence,
    ),
    concurrency: env.concurrency,
    onFailure: env.onFailure,
    run: (item) => processRecord(env, item),
    ...(env.groupCommit && { runGroup: (group, control) => runGroupCommitted(env, group, control) }),
    mustNotStart: timeGuard(env as BatchEnv<unknown>),
  });
