import { describe, expect, it } from 'vitest';
import { ScenarioError } from '../../../lib/verify/errors.ts';
import { seededRandom } from '../../../lib/verify/random.ts';
import { bodiesOf, planWorkload } from '../../../lib/verify/workload.ts';

// The plan makes each body again on every pass (spared bodies, the send, the poison bodies the
// replay skips, the replayed keys). The scenario's poison() is called on each of those passes, but
// its output is not in the digest the plan checks: before the compact plan it was called once.
const options = { messages: 200, groups: 3, rates: { poison: 0.2, producerResend: 0 } };

describe('a scenario whose poison() is not reproducible', () => {
  it('is named before anything is sent, rather than giving each pass other poison bodies', () => {
    let calls = 0;
    const scenario = {
      message: (i: number) => ({ key: `k${i}`, group: `g${i % 3}`, body: { i, amount: 10 } }),
      // A poison body stamped with a counter (the clock, a uuid): another body on each pass.
      poison: (m: { body: unknown }) => JSON.stringify({ ...(m.body as object), amount: 'x', n: calls++ }),
    };
    const plan = planWorkload(scenario, options, () => seededRandom(9));
    const passes = () => {
      const spared = bodiesOf([plan], (m) => m.poison !== undefined);
      const sent = new Set([...plan.messages()].filter((m) => m.poison).map((m) => m.body));
      return { spared, sent };
    };
    let outcome: { spared: ReturnType<typeof bodiesOf>; sent: Set<string> } | ScenarioError;
    try {
      outcome = passes();
    } catch (error) {
      outcome = error as ScenarioError;
    }
    // Either the plan names the scenario (ScenarioError), or every pass gives the same poison bodies.
    if (outcome instanceof ScenarioError) expect(outcome.message).toMatch(/poison/);
    else {
      expect(outcome.spared.size).toBe(outcome.sent.size);
      for (const body of outcome.sent) expect(outcome.spared.has(body)).toBe(true);
    }
  });

  it("a poison() that throws is reported as the scenario's error (ScenarioError), not a bare crash mid-send", () => {
    const scenario = {
      message: (i: number) => ({ key: `k${i}`, group: 'g', body: { i } }),
      poison: (): string => {
        throw new Error('schema not loaded');
      },
    };
    let thrown: unknown;
    try {
      const plan = planWorkload(scenario, options, () => seededRandom(9));
      [...plan.messages()];
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ScenarioError);
  });

  it('a poison() that edits the message it is given does not make the plan blame message()', () => {
    // A scenario that made its messages up front and hands out the same objects each time.
    const made = Array.from({ length: 200 }, (_, i) => ({
      key: `k${i}`,
      group: 'g',
      body: { i, amount: 10 },
    }));
    const scenario = {
      message: (i: number) => made[i]!,
      poison: (m: { body: unknown }) => {
        const body = m.body as { amount: unknown };
        body.amount = 'not a number';
        return JSON.stringify(body);
      },
    };
    const plan = planWorkload(scenario, options, () => seededRandom(9));
    const first = [...plan.messages()].map((m) => m.body);
    expect([...plan.messages()].map((m) => m.body)).toEqual(first);
  });
});
