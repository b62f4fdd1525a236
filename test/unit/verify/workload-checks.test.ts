import { describe, expect, it } from 'vitest';
import type { GroundTruth } from '../../../lib/verify/check.ts';
import { messageInvariants } from '../../../lib/verify/workload-checks.ts';

const truth = (redriven: GroundTruth['redriven'], goodInDlq = 0): GroundTruth => ({
  effects: 10,
  lost: 0,
  lostKeys: [],
  duplicateEffects: 0,
  duplicateKeys: [],
  poisonEffects: 0,
  orderViolations: null,
  reorderedAfterRedrive: 0,
  reorderedKeys: [],
  redriven,
  deadLettered: 1 + redriven.length + goodInDlq,
  poisonMissingFromDlq: 0,
  goodInDlq,
  otherDeadLettered: {},
  scenarioChecks: [],
});
const dlqCheck = (t: GroundTruth) => messageInvariants(t, 'at-least-once', 1).at(-1)!;

describe("a workload's dead-letter queue", () => {
  it('names the records SQS moved there after a late invocation, applied or not, without failing', () => {
    const check = dlqCheck(
      truth([
        { key: 'a', messageId: 'm-a', cause: 'late-invocation', applied: false },
        { key: 'b', messageId: 'm-b', cause: 'late-invocation', applied: true },
      ]),
    );
    expect(check).toEqual({
      name: 'every poison message is in the DLQ, and nothing else',
      ok: true,
      detail:
        '3 dead-lettered of 1 poison; 0 missing, 0 good messages; 1 more held there by SQS after a late invocation, not applied (m-a); 1 more moved there by SQS after a late invocation, which applied them (m-b)',
    });
  });

  it('fails on a good message no late invocation explains', () => {
    expect(dlqCheck(truth([], 1))).toMatchObject({
      ok: false,
      detail: expect.stringContaining('1 good messages'),
    });
  });
});
