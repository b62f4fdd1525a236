import { describe, expect, it } from 'vitest';
import scenario from '../../../reliable-events.verify.ts';
import { exampleApp } from './example-app.ts';

// The optimistic variant runs in verify-optimistic.test.ts: each run spends most of its time
// waiting on visibility timeouts, so the two run side by side.
describe('verify: the example app under injected faults', () => {
  const { assembly, options, stack } = exampleApp('verify');
  const { runVerify } = exampleApp;

  it('finds nothing lost, duplicated or reordered while every kind of fault is injected', async () => {
    const report = await runVerify({
      assembly: assembly(),
      scenario,
      stack,
      options: options({
        messages: 150,
        groups: 25,
        seed: 7,
        functionTimeoutSeconds: 5,
        rates: {
          // A crash or a timeout returns the whole batch, which on SQS-shaped batches is most of one
          // group: at these rates a good message rarely exhausts the queue's 5 receives and is
          // redriven to the DLQ (as SQS would), which the DLQ invariant rightly reports.
          ...{ poison: 0.04, producerResend: 0.06, consumerCrash: 0.02, lambdaTimeout: 0.004 },
          ...{ ddbThrottle: 0.03, concurrentDuplicate: 0.03, visibilityRedelivery: 0.03 },
          ...{ sendThrottled: 0.05, sendEntryFailed: 0.03 },
        },
      }),
    });
    expect(report.invariants.filter((c) => !c.ok)).toEqual([]);
    expect(report.reconciliation.filter((c) => !c.ok)).toEqual([]);
    expect(report.scenarioChecks.filter((c) => !c.ok)).toEqual([]);
    // The orders' dead-letter alarms went to ALARM after the poison; the lost-messages alarms never did.
    // Any other alarm still in ALARM at the end is explained as expected (its composite, Errors after crashes).
    const [fixed, endings] = [/ (fired after poison|stayed quiet)$/, / in ALARM at the end$/].map((name) =>
      report.alarmChecks.filter((c) => name.test(c.name)),
    );
    expect(endings!.filter((c) => !c.ok)).toEqual([]);
    expect(fixed!.map((c) => [c.name.replace(/[0-9A-F]{8} /, ' '), c.ok])).toEqual([
      ['ReliabilityDeadLettered0 fired after poison', true],
      ['ReliabilityDeadLetters0 fired after poison', true],
      ['ReliabilityLost0 stayed quiet', true],
      ['ReliabilityLost1 stayed quiet', true],
    ]);
    expect(report).toMatchObject({ ok: true, lost: 0, duplicateEffects: 0, orderViolations: 0 });
    // Poison and resends come from the seeded plan; the runtime faults as the run meets each record or request.
    expect(report.faultsInjected.poison).toBeGreaterThan(0);
    expect(report.faultsInjected.producerResend).toBeGreaterThan(0);
    const { poison: _p, producerResend: _r, ...runtimeFaults } = report.faultsInjected;
    expect(Object.values(runtimeFaults).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(report.deadLettered).toBe(report.poison);
    expect(report.effects).toBe(report.messages - report.poison);
    expect(report.duplicatesSuppressed).toBeGreaterThanOrEqual(report.faultsInjected.producerResend);
    // What ran is what deploys: every function from its synthesized asset, each one busy.
    expect(report.functions.map((f) => [f.service, f.code])).toEqual([
      ['CapturePayment', 'asset'],
      ['RelayOrderEvents', 'asset'],
      ['NotifyCustomer', 'asset'],
    ]);
    for (const fn of report.functions) expect(fn.records).toBeGreaterThan(0);
    // The wall time is the whole run's, the checks after the drain included (a second at least:
    // the drain is confirmed a second after it is first seen).
    expect(report.checkSeconds).toBeGreaterThanOrEqual(1);
    expect(report.wallSeconds).toBeCloseTo(
      report.setupSeconds + report.pipelineSeconds + report.checkSeconds,
      1,
    );
  }, 420_000);

  it('sees the duplicate effects when exactly-once protection is off, and fails the run', async () => {
    const report = await runVerify({
      assembly: assembly('unprotected'),
      scenario,
      stack,
      options: options({ messages: 120, groups: 12, seed: 3, rates: { producerResend: 0.1, poison: 0.03 } }),
    });
    expect(report.drained).toBe(true);
    expect(report.ok).toBe(false);
    // Every resent order was paid twice and is twice in its ledger (at least: a redelivery after a
    // slow batch pays again too): no idempotency record stood in the way.
    expect(report.duplicateEffects).toBeGreaterThanOrEqual(2 * report.faultsInjected.producerResend);
    expect(report.duplicateEffects).toBeGreaterThan(0);
    expect(report.invariants.find((c) => c.name.includes('exactly one effect'))?.ok).toBe(false);
    expect(report.reconciliation.find((c) => c.name === 'DuplicatesSuppressed')?.ok).toBe(false);
    expect(report.lost).toBe(0);
  }, 420_000);
});
