import { DigestIndex } from './digest-index.ts';
import { ScenarioError } from './errors.ts';
import { callScenario } from './load-scenario.ts';
import { digest53 } from './random.ts';
import type { EffectEntries, ScenarioContext, Workload } from './scenario.ts';
import type { PlanView } from './workload.ts';

/** How many times each planned message's effect was applied, by its place in the plan. */
export type EffectCounts = {
  /** The count of message `index`. */
  times: Uint32Array;
  /** Keys with an effect: planned ones, and those the plan does not know (a digest of each kept, to count one given twice once). */
  effects: number;
};

// Entries one at a time, whether the scenario gave them all at once (a Map, an array) or as they come.
async function* entriesOf<T>(result: Iterable<T> | AsyncIterable<T>): AsyncGenerator<T> {
  yield* result;
}

/**
 * Reads the scenario's effects — a Map of every key, or its entries as they come, a table page
 * at a time — into a count per planned message: 4 B a message, whatever the scenario holds.
 *
 * @example
 * const { times } = await countEffects(plan, () => scenario.effects(context)); // times[i]: message i's effects
 */
export const countEffects = async (
  plan: Pick<PlanView, 'size' | 'indexOf'>,
  effects: () => Promise<EffectEntries> | EffectEntries,
): Promise<EffectCounts> => {
  const times = new Uint32Array(plan.size);
  // Keys the plan does not know, by digest: one given in two entries is one key with an effect.
  const unplanned = new DigestIndex();
  await callScenario('effects()', async () => {
    for await (const entry of entriesOf(await effects())) {
      const [key, n] = entry;
      if (typeof key !== 'string' || !Number.isSafeInteger(n) || n < 0)
        throw new ScenarioError(
          `effects() must give [key, times] pairs, a string and a whole number 0 or more: received ${JSON.stringify(entry)}.`,
        );
      const index = plan.indexOf(key);
      if (index >= 0) times[index] = Math.min(times[index]! + n, 0xffffffff);
      else if (n > 0) unplanned.set(digest53(key), 1);
    }
  });
  return { times, effects: unplanned.size + times.reduce((sum, n) => sum + (n > 0 ? 1 : 0), 0) };
};

/** Each group's keys in the order their effects happened, one group at a time, as the scenario gives them (each group once). */
export async function* groupOrders(
  order: NonNullable<Workload['order']>,
  context: ScenarioContext,
): AsyncGenerator<readonly [group: string, keys: readonly string[]]> {
  const entries = entriesOf(await callScenario('order()', () => order(context)));
  // Each group once: a group's keys split over two entries would hide a reordering or a repeat
  // across the split (the checks read one entry at a time). The groups' names are few.
  const given = new Set<string>();
  for (;;) {
    const next = await callScenario('order()', () => entries.next());
    if (next.done) return;
    const [group, keys] = next.value;
    if (typeof group !== 'string' || !Array.isArray(keys))
      throw new ScenarioError(
        `order() must give [group, keys] pairs, a string and an array of keys: received ${JSON.stringify(next.value).slice(0, 200)}.`,
      );
    if (given.has(group))
      throw new ScenarioError(
        `order() gave group ${JSON.stringify(group).slice(0, 200)} twice: give each group's keys in one entry, in the order their effects happened.`,
      );
    given.add(group);
    yield [group, keys];
  }
}
