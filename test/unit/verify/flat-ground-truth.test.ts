import { describe, expect, it } from 'vitest';
import { DigestIndex } from '../../../lib/verify/digest-index.ts';
import { countEffects, groupOrders } from '../../../lib/verify/effects.ts';
import { ScenarioError } from '../../../lib/verify/errors.ts';
import { digest53, seededRandom } from '../../../lib/verify/random.ts';
import type { ScenarioContext } from '../../../lib/verify/scenario.ts';
import { planOf, planWorkload } from '../../../lib/verify/workload.ts';

const plan = planOf(['a', 'b', 'c'].map((key, i) => ({ key, group: 'g', seq: i + 1, resend: false })));
const context = {} as ScenarioContext;

describe('DigestIndex', () => {
  it('maps 200,000 digests to their places through its growth, and knows no other', () => {
    const index = new DigestIndex();
    for (let i = 0; i < 200_000; i++) index.set(digest53(`order-${i}`), i);
    expect(index.size).toBe(200_000);
    for (let i = 0; i < 200_000; i += 997) expect(index.get(digest53(`order-${i}`))).toBe(i);
    expect(index.get(digest53('order-200000'))).toBeUndefined();
    // 0 is a digest like any other (the table marks a slot by digest + 1).
    expect(index.set(0, 5).get(0)).toBe(5);
    expect(index.set(digest53('order-7'), 8).get(digest53('order-7'))).toBe(8);
    expect(index.size).toBe(200_001);
  });

  it('refuses what it cannot hold, by name', () => {
    const index = new DigestIndex();
    expect(() => index.set(-1, 0)).toThrow(/digest is an integer from 0 to 2\^53/);
    expect(() => index.set(0.5, 0)).toThrow(RangeError);
    expect(() => index.set(1, -1)).toThrow(/value is an integer from 0 to 2\^31/);
    expect(() => index.set(1, 2 ** 31)).toThrow(RangeError);
  });
});

describe('countEffects', () => {
  it('counts a Map, an array and an async generator alike, adding a key given twice', async () => {
    const map = await countEffects(
      plan,
      async () =>
        new Map([
          ['a', 1],
          ['c', 2],
        ]),
    );
    const array = await countEffects(plan, () => [['a', 1] as const, ['c', 1] as const, ['c', 1] as const]);
    async function* pages() {
      yield ['a', 1] as const;
      yield ['c', 2] as const;
    }
    const streamed = await countEffects(plan, () => pages());
    for (const counted of [map, array, streamed]) {
      expect([...counted.times]).toEqual([1, 0, 2]);
      expect(counted.effects).toBe(2);
    }
  });

  it('counts keys the plan does not know among the effects, without keeping them', async () => {
    const counted = await countEffects(
      plan,
      async () =>
        new Map([
          ['a', 1],
          ['zz', 1],
          ['yy', 0],
        ]),
    );
    expect([...counted.times]).toEqual([1, 0, 0]);
    expect(counted.effects).toBe(2);
  });

  it('names a count that is no whole number, rather than reading it as lost', async () => {
    for (const bad of [Number.NaN, -1, 1.5, '2'])
      await expect(countEffects(plan, async () => new Map([['a', bad as number]]))).rejects.toThrow(
        /effects\(\) must give \[key, times\] pairs/,
      );
  });

  it("reports what the scenario's generator throws mid-way as the scenario's error", async () => {
    async function* failing(): AsyncGenerator<readonly [string, number]> {
      yield ['a', 1];
      throw new Error('table gone');
    }
    const error = await countEffects(plan, () => failing()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ScenarioError);
    expect((error as Error).message).toBe("The scenario's effects() threw: table gone");
  });

  it("finds a real plan's messages by key", async () => {
    const scenario = { message: (i: number) => ({ key: `k${i}`, group: `g${i % 4}`, body: { i } }) };
    const real = planWorkload(
      scenario,
      { messages: 1000, groups: 4, rates: { poison: 0, producerResend: 0 } },
      () => seededRandom(1),
    );
    const counted = await countEffects(real, () => [['k999', 1] as const, ['k0', 3] as const]);
    expect(counted.times[999]).toBe(1);
    expect(counted.times[0]).toBe(3);
    expect(counted.effects).toBe(2);
  });
});

describe('groupOrders', () => {
  it('gives each group of a Map or a generator, and names a malformed entry', async () => {
    const fromMap = [];
    for await (const entry of groupOrders(async () => new Map([['g', ['a', 'b']]]), context))
      fromMap.push(entry);
    expect(fromMap).toEqual([['g', ['a', 'b']]]);
    async function* bad() {
      yield ['g', 'a,b'] as unknown as readonly [string, string[]];
    }
    const read = async () => {
      for await (const _ of groupOrders(() => bad(), context));
    };
    await expect(read()).rejects.toThrow(/order\(\) must give \[group, keys\] pairs/);
  });
});
