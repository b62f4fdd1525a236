import { describe, expect, it } from 'vitest';
import { type FunctionErrors, noteFunctionError } from '../../../lib/local/function-errors.ts';
import type { BatchReport, LocalFunction } from '../../../lib/local/index.ts';
import { COUNTERS } from '../../../lib/metrics/names.ts';
import type { GroundTruth } from '../../../lib/verify/check.ts';
import { faultCoverage } from '../../../lib/verify/fault-coverage.ts';
import { createFaultInjector } from '../../../lib/verify/faults.ts';
import { formatReport } from '../../../lib/verify/format.ts';
import { scenarioProblems } from '../../../lib/verify/load-scenario.ts';
import { type FaultKind, type FaultRates, verifyDefaults } from '../../../lib/verify/options.ts';
import { seededRandom } from '../../../lib/verify/random.ts';
import { buildReport } from '../../../lib/verify/report.ts';
import type { DeliveryPromise } from '../../../lib/verify/scenario.ts';
import { sendMessages } from '../../../lib/verify/send-workload.ts';
import { planMessages } from '../../../lib/verify/workload.ts';
import { workloadReport } from '../../../lib/verify/workload-checks.ts';
import { sampleReport } from '../../support/verify-report.ts';

const none = Object.fromEntries(Object.keys(verifyDefaults.rates).map((k) => [k, 0])) as FaultRates;
const counts = (values: Partial<Record<FaultKind, number>>) =>
  ({ ...none, ...values }) as Record<FaultKind, number>;

describe('a fault kind enabled by a rate must fire the minimum number of times', () => {
  const rates = { ...none, consumerCrash: 0.005, lambdaTimeout: 0.0005, ddbThrottle: 0.02 };

  it('fails the run naming the kinds that fired too rarely', () => {
    const { unexercised, faultChecks } = faultCoverage(
      { rates, faultMinimum: 3 },
      counts({ consumerCrash: 0, lambdaTimeout: 1, ddbThrottle: 40 }),
    );
    expect(unexercised).toEqual(['consumerCrash', 'lambdaTimeout']);
    expect(faultChecks).toEqual([
      {
        name: 'every enabled fault fired at least 3 times',
        ok: false,
        detail:
          'not exercised: consumerCrash 0, lambdaTimeout 1 (raise the rate or --messages, or pass --allow-unexercised)',
      },
    ]);
  });

  it('--allow-unexercised lists them as not checked instead of failing', () => {
    const { faultChecks } = faultCoverage(
      { rates, faultMinimum: 3, allowUnexercised: true },
      counts({ consumerCrash: 0, lambdaTimeout: 3, ddbThrottle: 3 }),
    );
    expect(faultChecks).toEqual([
      expect.objectContaining({ ok: null, detail: expect.stringMatching(/^not checked .*consumerCrash 0$/) }),
    ]);
  });

  it('is ok when each enabled kind fired enough; a kind at rate 0 is not asked for', () => {
    expect(
      faultCoverage(
        { rates, faultMinimum: 3 },
        counts({ consumerCrash: 3, lambdaTimeout: 5, ddbThrottle: 9 }),
      ),
    ).toEqual({
      unexercised: [],
      faultChecks: [expect.objectContaining({ ok: true })],
    });
    expect(faultCoverage({ rates: none }, counts({}))).toEqual({ unexercised: [], faultChecks: [] });
  });

  it('the injector fires a rare kind at its 2nd, 4th and 6th opportunity when chance did not, and never a kind at rate 0', () => {
    const fn = { logicalId: 'Consumer' } as LocalFunction;
    const injector = createFaultInjector(
      { ...none, consumerCrash: 1e-9 },
      () => 0.99,
      () => true,
      3,
    );
    const crash = injector.sqs(fn)!.crashAfterHandler!;
    const fired = Array.from({ length: 30 }, (_, i) => (crash({ Records: [] }) ? i + 1 : 0)).filter(Boolean);
    expect(fired).toEqual([2, 4, 6]);
    expect(injector.injected.consumerCrash).toBe(3);
    expect(injector.sqs(fn)!.lateAck!({} as never)).toBe(false);
    expect(injector.injected.visibilityRedelivery).toBe(0);
  });

  it('a small run still plans the minimum of poison messages and resends, spread out', () => {
    const scenario = { message: (i: number) => ({ key: `k${i}`, group: 'g', body: { i } }) };
    const plan = planMessages(
      scenario,
      { messages: 40, groups: 1, rates: { poison: 0.0001, producerResend: 0.0001 }, faultMinimum: 3 },
      seededRandom(1),
    );
    expect(plan.filter((m) => m.poison).map((m) => m.key)).toEqual(['k10', 'k20', 'k30']);
    expect(plan.filter((m) => m.resend)).toHaveLength(3);
    expect(plan.some((m) => m.poison && m.resend)).toBe(false);
    const none0 = planMessages(
      scenario,
      { messages: 40, groups: 1, rates: { poison: 0, producerResend: 0 } },
      seededRandom(1),
    );
    expect(none0.filter((m) => m.poison || m.resend)).toEqual([]);
  });
});

describe("a function's errors", () => {
  const batch = (outcome: BatchReport['outcome'], messageId: string, error?: Error): BatchReport => ({
    records: 10,
    groups: 0,
    deleted: 0,
    retried: 10,
    outcome,
    messageId,
    ...(error ? { error } : {}),
  });

  it('are counted, the first three kept with the message they came from; timeouts and injected crashes are not its errors', () => {
    const into: FunctionErrors = { errors: 0, firstErrors: [] };
    for (let i = 0; i < 5; i++)
      noteFunctionError(into, batch('error', `m${i}`, new RangeError(`bad order ${i}\n    at x`)));
    noteFunctionError(into, batch('timeout', 't'));
    noteFunctionError(into, batch('crash', 'c'));
    noteFunctionError(into, batch('invalid-response', 'v'));
    expect(into.errors).toBe(6);
    expect(into.firstErrors).toEqual([
      { name: 'RangeError', message: 'bad order 0', messageId: 'm0', records: 10 },
      { name: 'RangeError', message: 'bad order 1', messageId: 'm1', records: 10 },
      { name: 'RangeError', message: 'bad order 2', messageId: 'm2', records: 10 },
    ]);
  });

  it('are in the table under their function', () => {
    const table = formatReport(sampleReport());
    expect(table).toMatch(/CapturePayment +120 batches, 1050 records, 1010 acknowledged, 2 errors/);
    expect(table).toContain('    RangeError: amount out of range (message msg-1, batch of 10)');
    // With the faults injected into it, the kinds that fired.
    expect(table).toContain('    faults injected: consumerCrash 4, concurrentDuplicate 6\n');
    expect(table).toContain('    TypeError: body is not an order (message msg-2)');
  });
});

describe('a check that did not run', () => {
  const truth: GroundTruth = {
    effects: 10,
    lost: 0,
    lostKeys: [],
    duplicateEffects: 0,
    duplicateKeys: [],
    poisonEffects: 0,
    orderViolations: null,
    reorderedAfterRedrive: 0,
    reorderedKeys: [],
    redriven: [],
    deadLettered: 0,
    poisonMissingFromDlq: 0,
    goodInDlq: 0,
    otherDeadLettered: {},
    scenarioChecks: [],
  };
  const report = (
    options = { ...verifyDefaults, rates: none },
    injected = counts({}),
    extra: Partial<Parameters<typeof buildReport>[0]> = {},
  ) =>
    buildReport({
      alarms: { alarms: [], problems: [] },
      alarmChecks: [],
      options,
      queue: 'Orders',
      drained: true,
      truth,
      sent: { messages: 10, resent: 0, indexOfMessage: () => undefined },
      plan: { size: 0, poison: 0 },
      injected,
      producerMetrics: Object.fromEntries(COUNTERS.map((k) => [k, 0])) as never,
      consumerServices: ['Audit'],
      metrics: () => Object.fromEntries(COUNTERS.map((k) => [k, 0])) as never,
      requests: {},
      functions: [],
      notRun: [],
      timeline: [],
      timelineStartedAt: 0,
      seconds: { wall: 1, pipeline: 1, setup: 0, checks: 0 },
      ...extra,
    });

  it("counts every workload's messages in the throughput, not the first's alone", () => {
    const shipments = workloadReport({
      queue: 'Shipments',
      promise: 'at-least-once',
      truth,
      messages: 30,
      sent: 30,
      poison: 0,
    });
    const built = report(undefined, undefined, { workloads: [shipments] });
    expect(built.throughputPerSec).toBe(40);
    expect(formatReport(built)).toMatch(/throughput +40 messages\/s over 1\.0 s \(every workload\)/);
    expect(report().throughputPerSec).toBe(10);
  });

  it('gives the wall time of the whole run, and what it was spent on', () => {
    const built = report(undefined, undefined, {
      seconds: { wall: 100, pipeline: 80, setup: 12, checks: 8 },
    });
    expect(built).toMatchObject({ wallSeconds: 100, setupSeconds: 12, pipelineSeconds: 80, checkSeconds: 8 });
    expect(formatReport(built)).toMatch(
      /wall time +100\.0 s \(setup 12\.0 s, until drained 80\.0 s, checks 8\.0 s\)\n/,
    );
  });

  it('says not checked and why, never ok, and does not fail the run', () => {
    const built = report();
    const order = built.invariants.find((c) => c.name.includes('sequence order'))!;
    expect(order).toEqual({
      name: "each group's effects are in sequence order",
      ok: null,
      detail: 'not checked: the scenario reads no order',
    });
    expect(built.reconciliation).toEqual([expect.objectContaining({ ok: null })]);
    expect(built.ok).toBe(true);
    const table = formatReport(built);
    expect(table).toMatch(
      /\n {2}-- {3}each group's effects are in sequence order +not checked: the scenario reads no order\n/,
    );
    expect(table).not.toMatch(/ok {3}each group's effects are in sequence order/);
  });

  it('a fault that did not fire the minimum fails the whole run', () => {
    const built = report(
      { ...verifyDefaults, rates: { ...none, consumerCrash: 0.005 } },
      counts({ consumerCrash: 1 }),
    );
    expect(built.ok).toBe(false);
    expect(built.unexercised).toEqual(['consumerCrash']);
    expect(formatReport(built)).toMatch(
      /FAIL every enabled fault fired at least 3 times +not exercised: consumerCrash 1/,
    );
  });
});

describe("the effect invariant follows the consumer's promise", () => {
  const truth = (lost: number, duplicateEffects: number): GroundTruth => ({
    effects: 10 - lost,
    lost,
    lostKeys: Array.from({ length: lost }, (_, i) => `order-${i}`),
    duplicateEffects,
    duplicateKeys: Array.from({ length: duplicateEffects }, (_, i) => `order-${10 - i}`),
    poisonEffects: 0,
    orderViolations: 0,
    reorderedAfterRedrive: 0,
    reorderedKeys: [],
    redriven: [],
    deadLettered: 0,
    poisonMissingFromDlq: 0,
    goodInDlq: 0,
    otherDeadLettered: {},
    scenarioChecks: [],
  });
  const verdict = (promise: DeliveryPromise | undefined, t: GroundTruth) => {
    const report = buildReport({
      ...(promise ? { promise } : {}),
      alarms: { alarms: [], problems: [] },
      alarmChecks: [],
      options: { ...verifyDefaults, rates: none },
      queue: 'Audit',
      drained: true,
      truth: t,
      sent: { messages: 10, resent: 2, indexOfMessage: () => undefined },
      plan: { size: 0, poison: 0 },
      injected: counts({}),
      producerMetrics: Object.fromEntries(COUNTERS.map((k) => [k, 0])) as never,
      consumerServices: ['Audit'],
      metrics: () => Object.fromEntries(COUNTERS.map((k) => [k, 1])) as never,
      requests: {},
      functions: [],
      notRun: [],
      timeline: [],
      timelineStartedAt: 0,
      seconds: { wall: 1, pipeline: 1, setup: 0, checks: 0 },
    });
    return { effect: report.invariants[1], report };
  };

  it('exactly-once (the default) fails on a duplicate and on a loss', () => {
    expect(verdict(undefined, truth(0, 2)).effect).toMatchObject({
      name: 'every non-poison message has exactly one effect',
      ok: false,
    });
    expect(verdict('exactly-once', truth(1, 0)).effect?.ok).toBe(false);
    expect(verdict(undefined, truth(0, 0)).effect?.ok).toBe(true);
  });

  it('at-least-once counts duplicates but allows them, and fails on a loss', () => {
    const { effect, report } = verdict('at-least-once', truth(0, 3));
    expect(effect).toEqual({
      name: 'every non-poison message has an effect (at-least-once: duplicates allowed)',
      ok: true,
      detail: '10 effects, 0 lost, 3 duplicate (order-10, order-9, order-8)',
    });
    expect(report.reconciliation.find((c) => c.name === 'DuplicatesSuppressed')?.ok).toBeNull();
    expect(verdict('at-least-once', truth(1, 0)).effect?.ok).toBe(false);
  });

  it('names the keys lost or doubled, the first five in the table', () => {
    expect(verdict(undefined, truth(7, 1)).effect?.detail).toBe(
      '3 effects, 7 lost (order-0, order-1, order-2, order-3, order-4, …), 1 duplicate (order-10)',
    );
  });

  it('at-most-once counts losses but allows them, and fails on a duplicate', () => {
    expect(verdict('at-most-once', truth(2, 0)).effect).toMatchObject({
      name: 'no message has more than one effect (at-most-once: losses allowed)',
      ok: true,
    });
    expect(verdict('at-most-once', truth(0, 1)).effect?.ok).toBe(false);
  });
});

describe('a scenario message carries SQS fields beside its body', () => {
  it('attributes and a delay go into the plan as the scenario made them', () => {
    const scenario = {
      message: (i: number) => ({
        key: `k${i}`,
        group: 'g',
        body: { i },
        attributes: { kind: i % 2 === 0 ? 'audit' : 'order', priority: i },
        delaySeconds: 2,
      }),
    };
    const [first] = planMessages(
      scenario,
      { messages: 2, groups: 1, rates: { poison: 0, producerResend: 0 } },
      seededRandom(1),
    );
    expect(first).toMatchObject({ attributes: { kind: 'audit', priority: 0 }, delaySeconds: 2 });
  });

  it('a workload without its queue or effects, or with a misspelled promise, is named', () => {
    const scenario = {
      queue: 'q',
      message: () => 0,
      effects: () => 0,
      workloads: [
        { queue: 'Audit', message: () => 0, effects: () => 0 },
        { message: () => 0, promise: 'twice' },
      ],
    };
    expect(scenarioProblems(scenario)).toEqual([
      'workloads[1].queue must be a non-empty string',
      'workloads[1].effects must be a function',
      "workloads[1].promise must be one of 'exactly-once', 'at-least-once', 'at-most-once'",
    ]);
  });

  it('a promise the scenario misspells is named', () => {
    expect(
      scenarioProblems({ queue: 'q', message: () => 0, effects: () => 0, promise: 'exactly-one' }),
    ).toEqual(["promise must be one of 'exactly-once', 'at-least-once', 'at-most-once'"]);
  });
});

describe('sendMessages', () => {
  it("hands each message's attributes and delay to the producer", async () => {
    const calls: unknown[] = [];
    const producer = {
      send: async (batch: { id: string }[]) => {
        calls.push(...batch);
        return { sent: batch.map((m) => ({ id: m.id, messageId: `sqs-${m.id}` })), failed: [] };
      },
    };
    await sendMessages(producer as never, [
      {
        index: 0,
        key: 'k0',
        group: 'g',
        seq: 1,
        body: '{}',
        resend: false,
        attributes: { kind: 'audit' },
        delaySeconds: 3,
      },
    ]);
    expect(calls).toEqual([
      { id: 'm-0', orderingKey: 'g', body: '{}', attributes: { kind: 'audit' }, delaySeconds: 3 },
    ]);
  });
});
