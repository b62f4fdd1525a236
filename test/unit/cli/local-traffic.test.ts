import { describe, expect, it } from 'vitest';
import { localTraffic, outgoing } from '../../../lib/cli/local-traffic.ts';
import { seededRandom } from '../../../lib/verify/random.ts';

const scenario = {
  message: (i: number) => ({ key: `k${i}`, group: `g${i % 5}`, body: { i } }),
  poison: () => 'not an order',
};

describe("local's traffic", () => {
  it('sends about 10% duplicates and 2% poison, and remembers only the last 1,000 messages for the duplicates', () => {
    const next = localTraffic(scenario, seededRandom(3));
    const sent = Array.from({ length: 20_000 }, () => next());
    expect(next.remembered()).toBe(1_000);
    const firsts = new Map<string, number>();
    let duplicates = 0;
    let poison = 0;
    let oldest = 0;
    for (const [at, message] of sent.entries()) {
      if (message.body === 'not an order') poison += 1;
      else if (firsts.has(message.body)) {
        duplicates += 1;
        oldest = Math.max(oldest, at - firsts.get(message.body)!);
      } else firsts.set(message.body, at);
    }
    expect(duplicates / sent.length).toBeGreaterThan(0.08);
    expect(duplicates / sent.length).toBeLessThan(0.12);
    expect(poison / sent.length).toBeGreaterThan(0.01);
    expect(poison / sent.length).toBeLessThan(0.03);
    // A duplicate is one of the last 1,000 remembered: some 1,150 sends back at most.
    expect(oldest).toBeLessThan(1_300);
    expect(oldest).toBeGreaterThan(900);
  });
});

describe("local's messages carry what the scenario's do", () => {
  const routed = {
    message: (i: number) => ({
      key: `k${i}`,
      group: `g${i % 5}`,
      body: { i },
      attributes: { kind: 'order', priority: i },
      delaySeconds: 2,
    }),
  };

  it('sends the attributes an app routes on, and the delay, with every message (duplicates and poison too)', () => {
    const next = localTraffic(routed, seededRandom(5));
    const sent = Array.from({ length: 500 }, () => next());
    for (const message of sent) {
      const sending = outgoing(message);
      expect(sending.attributes).toMatchObject({ kind: 'order' });
      expect(sending.delaySeconds).toBe(2);
      expect(sending.orderingKey).toBe(message.group);
      expect(sending.body).toBe(message.body);
    }
  });

  it('sends none when the scenario gives none', () => {
    const message = localTraffic(scenario, seededRandom(1))();
    expect(outgoing(message)).toEqual({ orderingKey: message.group, body: message.body });
  });
});
