import { describe, expect, it } from 'vitest';
import scenario from '../../../reliable-events.verify.ts';
import { exampleApp } from './example-app.ts';

// A late invocation only: throttled invokes use up a batch's receives, its last receive starts
// after SQS moved the records to the DLQ and another invocation committed what came after them.
// Four groups of 30 orders, so each late batch has successors in its group.
const lateOnly = { messages: 120, groups: 4, functionTimeoutSeconds: 5, rates: { lateInvocation: 0.05 } };

describe.concurrent('verify: a late invocation on the FIFO orders queue', () => {
  const { assembly, options, stack } = exampleApp('verify-late');
  const { runVerify } = exampleApp;

  it('is fenced off: its commit is cancelled, its records stay in the DLQ, nothing is out of order', async () => {
    const report = await runVerify({
      assembly: assembly(),
      scenario,
      stack,
      options: options({ ...lateOnly, seed: 5 }),
    });
    const checks = [...report.invariants, ...report.faultChecks, ...report.reconciliation];
    expect(checks.filter((c) => c.ok === false)).toEqual([]);
    expect(report.faultsInjected.lateInvocation).toBeGreaterThanOrEqual(3);
    expect(report.lateCommitsFenced).toBeGreaterThan(0);
    expect(report).toMatchObject({ ok: true, lost: 0, duplicateEffects: 0, orderViolations: 0 });
    // What the late invocations held is in the DLQ, where SQS put it, and was never applied.
    const late = report.redriven.filter((r) => r.cause === 'late-invocation');
    expect(late.length).toBeGreaterThan(0);
    expect(late.filter((r) => r.applied)).toEqual([]);
    expect(report.effects).toBe(report.messages - late.length);
    // The throttled invokes fed the functions' Throttles alarms, which are evaluated now.
    expect(report.alarms.alarms.filter((a) => a.logicalId.startsWith('ReliabilityThrottles'))).not.toEqual(
      [],
    );
    for (const alarm of report.alarms.alarms.filter((a) => a.logicalId.startsWith('ReliabilityThrottles')))
      expect(alarm.evaluated).toBe(true);
  }, 300_000);

  it('without the fence (--unfenced), the late commit lands after its successors and the proof fails', async () => {
    const report = await runVerify({
      assembly: assembly('unfenced'),
      scenario,
      stack,
      options: options({ ...lateOnly, seed: 5 }),
    });
    expect(report.ok).toBe(false);
    expect(report.lateCommitsFenced).toBe(0);
    expect(report.orderViolations).toBeGreaterThan(0);
    expect(report.invariants.find((c) => c.name.includes('in sequence order'))?.ok).toBe(false);
  }, 300_000);
});
