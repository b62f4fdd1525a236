import { describe, expect, it } from 'vitest';
import { parseVerifyArgs } from '../../../scripts/verify/options.ts';
import { runVerify } from '../../../scripts/verify/run.ts';
import { localClients } from '../../support/local.ts';

const { stack } = localClients();
const options = (...args: string[]) => ({
  ...parseVerifyArgs(['--quiet', '--drain-timeout', '150', ...args])!,
});

describe('verify: the example app under injected faults', () => {
  it('finds nothing lost, duplicated or reordered while every kind of fault is injected', async () => {
    const report = await runVerify(
      options(
        ...['--orders', '200', '--groups', '20', '--seed', '7', '--function-timeout', '1'],
        ...['--poison', '0.04', '--resend', '0.06', '--crash', '0.1', '--timeout', '0.01'],
        ...['--throttle', '0.05', '--duplicate', '0.05', '--redeliver', '0.05'],
      ),
      { stack },
    );
    expect(report.invariants.filter((c) => !c.ok)).toEqual([]);
    expect(report.reconciliation.filter((c) => !c.ok)).toEqual([]);
    expect(report).toMatchObject({ ok: true, lost: 0, duplicateEffects: 0, orderViolations: 0 });
    // Poison and resends come from the seeded plan; the runtime faults are drawn as the run goes.
    expect(report.faultsInjected.poison).toBeGreaterThan(0);
    expect(report.faultsInjected.producerResend).toBeGreaterThan(0);
    const { poison: _p, producerResend: _r, ...runtimeFaults } = report.faultsInjected;
    expect(Object.values(runtimeFaults).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(report.deadLettered).toBe(report.poison);
    expect(report.effects).toBe(report.orders - report.poison);
    expect(report.duplicatesSuppressed).toBeGreaterThanOrEqual(report.faultsInjected.producerResend);
  }, 240_000);

  it('holds with the optimistic commit too, at about one DynamoDB request per message', async () => {
    const report = await runVerify(
      options(
        ...['--orders', '150', '--groups', '15', '--seed', '11', '--function-timeout', '1', '--optimistic'],
        ...[
          '--no-faults',
          '--resend',
          '0.06',
          '--crash',
          '0.1',
          '--duplicate',
          '0.05',
          '--redeliver',
          '0.05',
        ],
      ),
      { stack },
    );
    expect(report).toMatchObject({ ok: true, lost: 0, duplicateEffects: 0, orderViolations: 0 });
    // A repeat found at commit counts as a duplicate, never as processed: no more processed records
    // than effects (fewer only where an invocation timed out before flushing its metrics).
    expect(report.processed).toBeLessThanOrEqual(report.effects);
    expect(report.reconciliation.filter((c) => !c.ok)).toEqual([]);
    expect(report.duplicatesSuppressed).toBeGreaterThanOrEqual(report.faultsInjected.producerResend);
    // One TransactWriteItems per delivery; redeliveries make it a little more than one per message.
    expect(report.ddbRequests.CapturePayment).toEqual({ TransactWriteItems: expect.any(Number) });
    expect(report.ddbRequestsPerMessage).toBeGreaterThanOrEqual(1);
    expect(report.ddbRequestsPerMessage).toBeLessThan(1.5);
  }, 240_000);

  it('sees the duplicate effects when exactly-once protection is off, and fails the run', async () => {
    const report = await runVerify(
      options(
        ...['--orders', '120', '--groups', '12', '--seed', '3', '--unprotected', '--no-faults'],
        ...['--resend', '0.1', '--poison', '0.03'],
      ),
      { stack },
    );
    expect(report.drained).toBe(true);
    expect(report.ok).toBe(false);
    // Every resent order was paid twice: no idempotency record stood in the way.
    expect(report.duplicateEffects).toBe(report.faultsInjected.producerResend);
    expect(report.duplicateEffects).toBeGreaterThan(0);
    expect(report.invariants.find((c) => c.name.includes('exactly one effect'))?.ok).toBe(false);
    expect(report.reconciliation.find((c) => c.name === 'DuplicatesSuppressed')?.ok).toBe(false);
    expect(report.lost).toBe(0);
  }, 240_000);
});
