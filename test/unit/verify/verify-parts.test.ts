import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../lib/errors.ts';
import { orderViolationsOf } from '../../../scripts/verify/check.ts';
import { parseVerifyArgs, verifyDefaults } from '../../../scripts/verify/options.ts';
import { seededRandom } from '../../../scripts/verify/random.ts';
import { bodyOf, planOrders } from '../../../scripts/verify/workload.ts';

describe('verify options', () => {
  it('defaults to 10,000 orders in 50 groups with every fault on, exactly-once', () => {
    const options = parseVerifyArgs([])!;
    expect(options).toMatchObject({
      orders: 10_000,
      groups: 50,
      protection: true,
      rates: verifyDefaults.rates,
    });
    for (const rate of Object.values(options.rates)) expect(rate).toBeGreaterThan(0);
  });

  it('reads rates, --no-faults, --unprotected and the report files', () => {
    expect(parseVerifyArgs(['--crash', '0.2', '--orders', '50', '--groups', '5'])).toMatchObject({
      orders: 50,
      groups: 5,
      rates: { consumerCrash: 0.2 },
    });
    const off = parseVerifyArgs(['--no-faults', '--unprotected', '--json', 'r.json'])!;
    expect(Object.values(off.rates)).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect(off).toMatchObject({ protection: false, json: 'r.json' });
    expect(parseVerifyArgs(['--no-faults', '--resend', '0.1'])!.rates).toMatchObject({
      producerResend: 0.1,
      consumerCrash: 0,
    });
    expect(parseVerifyArgs(['--help'])).toBeUndefined();
  });

  it('names the flag, what it expects and what it got', () => {
    expect(() => parseVerifyArgs(['--throttle', '2'])).toThrow(ConfigurationError);
    expect(() => parseVerifyArgs(['--throttle', '2'])).toThrow(
      '--throttle must be a rate from 0 to 1, received "2"',
    );
    expect(() => parseVerifyArgs(['--orders', '10', '--groups', '20'])).toThrow(
      '--groups must be an integer from 1 to 10',
    );
    expect(() => parseVerifyArgs(['--orderz', '1'])).toThrow(/orderz/);
  });
});

describe('the verify workload', () => {
  const options = { orders: 2_000, groups: 7, rates: { poison: 0.05, producerResend: 0.1 } };

  it('is the same for the same seed, and numbers each customer’s orders 1, 2, 3…', () => {
    const plan = planOrders(options, seededRandom(9));
    expect(planOrders(options, seededRandom(9))).toEqual(plan);
    expect(planOrders(options, seededRandom(10))).not.toEqual(plan);
    const last = new Map<string, number>();
    for (const order of plan) {
      expect(order.seq).toBe((last.get(order.customerId) ?? 0) + 1);
      last.set(order.customerId, order.seq);
    }
    expect(last.size).toBe(7);
  });

  it('marks poison and resends near their rates, never both on one order, and makes poison bodies the consumer rejects', () => {
    const plan = planOrders(options, seededRandom(3));
    const poison = plan.filter((o) => o.poison);
    const resent = plan.filter((o) => o.resend);
    expect(poison.length).toBeGreaterThan(50);
    expect(poison.length).toBeLessThan(150);
    expect(resent.length).toBeGreaterThan(120);
    expect(poison.some((o) => o.resend)).toBe(false);
    for (const order of poison) {
      const body = bodyOf(order);
      if (order.poison === 'not-json') expect(() => JSON.parse(body)).toThrow();
      else expect(JSON.parse(body).amountCents).toBeLessThan(0);
    }
    const good = plan.find((o) => !o.poison)!;
    expect(JSON.parse(bodyOf(good))).toEqual({
      orderId: good.orderId,
      customerId: good.customerId,
      amountCents: good.amountCents,
      currency: 'EUR',
    });
  });
});

describe('the order check', () => {
  const seq = (id: string) => Number(id.slice(1));

  it('finds no violation in sequence order, with gaps for poison', () => {
    expect(orderViolationsOf(['o1', 'o2', 'o4', 'o5'], seq)).toEqual({ violations: 0, duplicates: 0 });
  });

  it('counts each order placed after a later one, and repeats as duplicates, not violations', () => {
    expect(orderViolationsOf(['o1', 'o3', 'o2', 'o4'], seq)).toEqual({ violations: 1, duplicates: 0 });
    expect(orderViolationsOf(['o1', 'o2', 'o1', 'o3'], seq)).toEqual({ violations: 0, duplicates: 1 });
  });
});
