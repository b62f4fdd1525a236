import { describe, expect, it } from 'vitest';
import scenario from '../../../reliable-events.verify.ts';
import { exampleApp } from './example-app.ts';

describe('verify: the example app under injected faults, optimistic commit', () => {
  const { assembly, options, stack } = exampleApp('verify-optimistic');
  const { runVerify } = exampleApp;

  it('holds with the optimistic commit too, at about one DynamoDB request per message', async () => {
    const report = await runVerify({
      assembly: assembly('optimistic'),
      scenario,
      stack,
      options: options({
        messages: 150,
        groups: 15,
        seed: 11,
        functionTimeoutSeconds: 5,
        rates: {
          producerResend: 0.06,
          consumerCrash: 0.1,
          concurrentDuplicate: 0.05,
          visibilityRedelivery: 0.05,
        },
      }),
    });
    // The failing checks first, so a red run names what broke.
    const checks = [
      ...report.invariants,
      ...report.faultChecks,
      ...report.alarmChecks,
      ...report.scenarioChecks,
    ];
    expect(checks.filter((c) => c.ok === false)).toEqual([]);
    expect(report.reconciliation.filter((c) => c.ok === false)).toEqual([]);
    expect(report).toMatchObject({ ok: true, lost: 0, duplicateEffects: 0, orderViolations: 0 });
    // A repeat found at commit counts as a duplicate, never as processed: no more processed records
    // than effects (fewer only where an invocation timed out before flushing its metrics).
    expect(report.processed).toBeLessThanOrEqual(report.effects);
    expect(report.duplicatesSuppressed).toBeGreaterThanOrEqual(report.faultsInjected.producerResend);
    // One TransactWriteItems per delivery, at most: the faults (each forced at least three times,
    // crashes returning whole batches) decide how many deliveries there are per message.
    expect(report.ddbRequests.CapturePayment).toEqual({ TransactWriteItems: expect.any(Number) });
    const commits = report.ddbRequests.CapturePayment?.TransactWriteItems ?? 0;
    const deliveries = report.metrics.CapturePayment?.MessagesReceived ?? 0;
    expect(deliveries).toBeGreaterThan(report.sent);
    expect(commits).toBeLessThanOrEqual(deliveries);
    // At least one per effect: records returned without running (the retry backoff brings them back
    // at once, each a delivery) commit nothing.
    expect(commits).toBeGreaterThanOrEqual(report.effects);
    expect(report.ddbRequestsPerMessage).toBeGreaterThanOrEqual(1);
    expect(report.ddbRequestsPerMessage).toBeLessThan(2);
  }, 420_000);
});
