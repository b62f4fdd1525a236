import { describe, expect, it } from 'vitest';
import { orderViolationsOf } from '../../../lib/verify/check.ts';
import { ScenarioError } from '../../../lib/verify/errors.ts';
import { scenarioProblems } from '../../../lib/verify/load-scenario.ts';
import { digest53, seededRandom } from '../../../lib/verify/random.ts';
import { planMessages, planWorkload } from '../../../lib/verify/workload.ts';
import exampleScenario from '../../../reliable-events.verify.ts';

describe('the verify workload', () => {
  const options = { messages: 2_000, groups: 7, rates: { poison: 0.05, producerResend: 0.1 } };

  it("is the same for the same seed, and numbers each group's messages 1, 2, 3…", () => {
    const plan = planMessages(exampleScenario, options, seededRandom(9));
    expect(planMessages(exampleScenario, options, seededRandom(9))).toEqual(plan);
    expect(planMessages(exampleScenario, options, seededRandom(10))).not.toEqual(plan);
    const last = new Map<string, number>();
    for (const message of plan) {
      expect(message.seq).toBe((last.get(message.group) ?? 0) + 1);
      last.set(message.group, message.seq);
    }
    expect(last.size).toBe(7);
  });

  it("marks poison and resends near their rates, never both on one message; poison is not JSON or the scenario's invalid body", () => {
    const plan = planMessages(exampleScenario, options, seededRandom(3));
    const poison = plan.filter((m) => m.poison);
    const resent = plan.filter((m) => m.resend);
    expect(poison.length).toBeGreaterThan(50);
    expect(poison.length).toBeLessThan(150);
    expect(resent.length).toBeGreaterThan(120);
    expect(poison.some((m) => m.resend)).toBe(false);
    expect(new Set(poison.map((m) => m.poison))).toEqual(new Set(['not-json', 'invalid']));
    for (const message of poison) {
      if (message.poison === 'not-json') expect(() => JSON.parse(message.body)).toThrow();
      else expect(JSON.parse(message.body).amountCents).toBeLessThan(0);
    }
    const good = plan.find((m) => !m.poison)!;
    expect(JSON.parse(good.body)).toEqual({
      orderId: good.key,
      customerId: good.group,
      amountCents: expect.any(Number),
      currency: 'EUR',
    });
  });

  it('without a poison function, every poison body is not JSON', () => {
    const plain = { message: (i: number) => ({ key: `k${i}`, group: 'g', body: { i } }) };
    const plan = planMessages(plain, { ...options, messages: 300 }, seededRandom(1));
    expect(plan.filter((m) => m.poison).every((m) => m.poison === 'not-json')).toBe(true);
  });

  it("names the scenario's generator when it throws, returns the wrong shape or repeats a key", () => {
    const run = (message: (i: number) => unknown) =>
      planMessages({ message } as never, { ...options, messages: 3 }, seededRandom(1));
    expect(() =>
      run(() => {
        throw new Error('boom');
      }),
    ).toThrow(ScenarioError);
    expect(() =>
      run(() => {
        throw new Error('boom');
      }),
    ).toThrow("The scenario's message(0) threw: boom");
    expect(() => run(() => ({ key: 1, body: {} }))).toThrow(
      'must return { key: string, group: string, body }',
    );
    expect(() => run(() => ({ key: 'same', group: 'g', body: {} }))).toThrow('message(1) repeats key same');
  });
});

describe('the scenario shape', () => {
  it('accepts the example scenario', () => {
    expect(scenarioProblems(exampleScenario)).toEqual([]);
  });

  it('names every missing or mistyped field', () => {
    expect(scenarioProblems(undefined)).toEqual(['its default export is undefined, not an object']);
    expect(scenarioProblems({ queue: '', message: 1, checks: 'x', defaults: { messages: 0 } })).toEqual([
      'queue must be a non-empty string',
      'message must be a function',
      'effects must be a function',
      'checks must be a function',
      'defaults.messages must be a positive integer',
    ]);
  });
});

describe('the order check', () => {
  const seq = (id: string) => Number(id.slice(1));

  it('finds no violation in sequence order, with gaps for poison', () => {
    expect(orderViolationsOf(['o1', 'o2', 'o4', 'o5'], seq)).toEqual({
      violations: 0,
      duplicates: 0,
      late: [],
      repeated: [],
    });
  });

  it('counts each key placed after a later one, and repeats as duplicates, not violations', () => {
    expect(orderViolationsOf(['o1', 'o3', 'o2', 'o4'], seq)).toEqual({
      violations: 1,
      duplicates: 0,
      late: ['o2'],
      repeated: [],
    });
    expect(orderViolationsOf(['o1', 'o2', 'o1', 'o3'], seq)).toEqual({
      violations: 0,
      duplicates: 1,
      late: [],
      repeated: ['o1'],
    });
  });
});

describe('the plan a run keeps', () => {
  const options = { messages: 500, groups: 7, rates: { poison: 0.05, producerResend: 0.1 } };

  it('holds no body: the bodies are made again from the seed, the same on every pass and as planMessages gives them', () => {
    const plan = planWorkload(exampleScenario, options, () => seededRandom(4));
    expect('body' in plan.at(42)).toBe(false);
    expect('key' in plan.at(42)).toBe(false);
    const first = [...plan.messages()];
    expect([...plan.messages()]).toEqual(first);
    expect(planMessages(exampleScenario, options, seededRandom(4))).toEqual(first);
    expect(first.map(({ body: _, key: __, ...m }) => m)).toEqual(first.map((m) => plan.at(m.index)));
    expect(first.map((m) => plan.indexOf(m.key))).toEqual(first.map((_, i) => i));
    expect(plan.indexOf('no such key')).toBe(-1);
    expect(plan.keysAt([3, 42])).toEqual(
      new Map([
        [3, first[3]!.key],
        [42, first[42]!.key],
      ]),
    );
    expect(plan.size).toBe(500);
    expect(plan.poison).toBe(first.filter((m) => m.poison).length);
    expect(plan.resent).toBe(first.filter((m) => m.resend).length);
  });
});

describe('digest53', () => {
  it('is the same for the same key, differs across a million keys, and stays a safe integer', () => {
    expect(digest53('Consumer|lateAck|m-17')).toBe(digest53('Consumer|lateAck|m-17'));
    const seen = new Set<number>();
    for (let i = 0; i < 1_000_000; i++) seen.add(digest53(`Capture|visibilityRedelivery|m-${i}`));
    expect(seen.size).toBe(1_000_000);
    for (const d of [...seen].slice(0, 1000)) expect(Number.isSafeInteger(d)).toBe(true);
  });
});

describe('a scenario generator that is not reproducible', () => {
  it('is named when it makes another message the second time (the clock, Math.random or its own counter)', () => {
    let calls = 0;
    const drifting = {
      message: (i: number) => ({ key: `k${i}`, group: 'g', body: { i, call: calls++ } }),
    };
    const plan = planWorkload(
      drifting,
      { messages: 3, groups: 1, rates: { poison: 0, producerResend: 0 } },
      () => seededRandom(1),
    );
    expect(() => [...plan.messages()]).toThrow(/message\(0\) made another message when asked again/);
  });
});
