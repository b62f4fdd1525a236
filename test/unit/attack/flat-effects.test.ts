import { describe, expect, it } from 'vitest';
import { countEffects } from '../../../lib/verify/effects.ts';
import { planOf } from '../../../lib/verify/workload.ts';

// Attacks on countEffects: effects given as entries may name a key more than once.

const plan = planOf(['a', 'b'].map((key, i) => ({ key, group: 'g', seq: i + 1, resend: false })));

describe('countEffects, entries as they come', () => {
  it('counts a key the plan does not know once, however many entries name it (as a Map would)', async () => {
    // A table read a page at a time may give one unplanned key in two entries (two items, or a
    // count split across pages): it is one key with an effect, as `a` given twice is one.
    const counted = await countEffects(plan, () => [
      ['a', 1] as const,
      ['a', 1] as const,
      ['zz', 1] as const,
      ['zz', 1] as const,
      ['yy', 0] as const,
      ['yy', 1] as const,
    ]);
    expect([...counted.times]).toEqual([2, 0]);
    // a, zz, yy: three keys with an effect (zz was counted twice).
    expect(counted.effects).toBe(3);
  });
});
