import type { RecordOutcome } from './outcome.ts';
import { isRetried } from './outcome.ts';

export type ScheduleOptions<Item> = {
  /** Items of one group run one at a time, in order; groups run concurrently. */
  groups: Item[][];
  concurrency: number;
  onFailure: 'skip-group' | 'stop-batch';
  run: (item: Item) => Promise<RecordOutcome>;
  /** Asked before each item starts: a reason not to start it (the time guard), or undefined. */
  mustNotStart: () => 'time-guard' | undefined;
};

/**
 * Runs groups concurrently (at most `concurrency` at a time) and the items of each group in
 * order. Once an item is reported for retry, the rest of its group (`skip-group`) or every
 * item not yet started (`stop-batch`) is reported too without running: a later message of a
 * group must never be acknowledged while an earlier one goes back to the queue.
 */
export const runGroups = async <Item>(options: ScheduleOptions<Item>): Promise<Map<Item, RecordOutcome>> => {
  const outcomes = new Map<Item, RecordOutcome>();
  let stopped = false;
  let nextGroup = 0;

  const runGroup = async (group: Item[]) => {
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
