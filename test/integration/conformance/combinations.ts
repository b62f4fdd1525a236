/**
 * Every configuration of an exactly-once `sqsBatch` consumer a user can choose: how the key is
 * claimed (a lease, the optimistic commit, or the effect's own condition), whether records of one
 * group commit together, and the kind of queue. Each promise of docs/semantics.md runs in each.
 */
export type Combination = {
  name: string;
  /** `group-window`: exactly-once with `record: 'group-window'` (FIFO only; group commit implied). */
  mode: 'lease' | 'optimistic' | 'effect-conditional' | 'group-window';
  groupCommit: boolean;
  queue: 'fifo' | 'standard';
};

export const combinations: Combination[] = [
  ...(['lease', 'optimistic', 'effect-conditional'] as const).flatMap((mode) =>
    [false, true].flatMap((groupCommit) =>
      (['fifo', 'standard'] as const).map((queue) => ({
        name: `${mode}${groupCommit ? '+group-commit' : ''} ${queue}`,
        mode,
        groupCommit,
        queue,
      })),
    ),
  ),
  // The group window lives in a FIFO group's fence item and commits by group commit: one combination.
  { name: 'group-window fifo', mode: 'group-window', groupCommit: true, queue: 'fifo' },
];

/** The modes that keep an idempotency record (and so a fingerprint and an expiry). */
export const keepsRecord = (combination: Combination) =>
  combination.mode !== 'effect-conditional' && combination.mode !== 'group-window';

/** Why a mode without a record has no fingerprint. */
export const whyNoFingerprint = (combination: Combination) =>
  combination.mode === 'group-window'
    ? 'group-window keeps no record, only key digests: no fingerprint (refused at construction)'
    : 'effect-conditional keeps no record, so no fingerprint (refused at construction)';
