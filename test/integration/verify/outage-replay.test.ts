import { describe, expect, it } from 'vitest';
import scenario from '../../../reliable-events.verify.ts';
import { exampleApp } from './example-app.ts';

// A downstream outage longer than the orders' five receives last (with the retry backoff: about
// 1 + 2 + 4 + 8 s), then an operator's replay of the dead-letter queue. No other fault, no poison.
const outage = { messages: 100, groups: 5, seed: 2, outageSeconds: 40, replay: true, rates: {} };

describe.concurrent('verify --outage --replay: good messages dead-lettered by an outage, then replayed', () => {
  const { assembly, options, stack } = exampleApp('verify-outage');
  const { runVerify } = exampleApp;

  it('with park-group, every order has exactly one effect and every customer is in order after the replay', async () => {
    const report = await runVerify({
      assembly: assembly('park-group'),
      scenario,
      stack,
      options: options(outage),
    });
    const checks = [...report.invariants, ...report.reconciliation, ...report.alarmChecks];
    expect(checks.filter((c) => c.ok === false)).toEqual([]);
    expect(report.outage?.requests).toBeGreaterThan(0);
    // The consumer dead-lettered the heads on their last receive and parked what followed them.
    expect(report.metrics.consumers?.MessagesDeadLettered).toBeGreaterThan(0);
    expect(report.replay?.replayed).toBeGreaterThan(0);
    expect(report.replay?.held).toBe(0);
    expect(report).toMatchObject({
      ok: true,
      lost: 0,
      duplicateEffects: 0,
      orderViolations: 0,
      reorderedAfterRedrive: 0,
    });
  }, 300_000);

  it('without parking, the replayed orders land after their successors: counted, and put on the DLQ, not the consumer', async () => {
    const report = await runVerify({ assembly: assembly(), scenario, stack, options: options(outage) });
    expect(report.replay?.replayed).toBeGreaterThan(0);
    expect(report).toMatchObject({ ok: false, lost: 0, duplicateEffects: 0, orderViolations: 0 });
    expect(report.reorderedAfterRedrive).toBeGreaterThan(0);
    expect(report.invariants.find((c) => c.name.includes('SQS redrove'))?.ok).toBe(false);
  }, 300_000);
});
