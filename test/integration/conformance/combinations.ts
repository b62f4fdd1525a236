/**
 * Every configuration of an exactly-once `sqsBatch` consumer a user can choose: how the key is
 * claimed (a lease, the optimistic commit, or the effect's own condition), whether records of one
 * group commit together, and the kind of queue. Each promise of docs/semantics.md runs in each.
 */
export type Combination = {
  name: string;
  mode: 'lease' | 'optimistic' | 'effect-conditional';
  groupCommit: boolean;
  queue: 'fifo' | 'standard';
};

export const combinations: Combination[] = (['lease', 'optimistic', 'effect-conditional'] as const).flatMap(
  (mode) =>
    [false, true].flatMap((groupCommit) =>
      (['fifo', 'standard'] as const).map((queue) => ({
        name: `${mode}${groupCommit ? '+group-commit' : ''} ${queue}`,
        mode,
        groupCommit,
        queue,
      })),
    ),
);

/** The modes that keep an idempotency record (and so a fingerprint and an expiry). */
export const keepsRecord = (combination: Combination) => combination.mode !== 'effect-conditional';
