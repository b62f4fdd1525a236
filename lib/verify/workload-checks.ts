import type { GroundTruth } from './check.ts';
import type { Check, DeliveryPromise } from './scenario.ts';

/** What one of a scenario's other workloads came to: its queue, its figures and its invariants. */
export type WorkloadReport = {
  /** The driven queue's logical id. */
  queue: string;
  promise: DeliveryPromise;
  /** Messages the workload generated, and sent (resends included). */
  messages: number;
  sent: number;
  effects: number;
  lost: number;
  /** The keys lost, and those applied more than once. */
  lostKeys: string[];
  duplicateEffects: number;
  duplicateKeys: string[];
  orderViolations: number | null;
  deadLettered: number;
  poison: number;
  invariants: Check[];
};

// The effect invariant a consumer's promise asks for: at-least-once allows duplicates (counted),
// at-most-once allows losses (counted), exactly-once neither.
// The first keys of a list, to name in the table (the JSON has them all).
const SAMPLE = 5;
const sample = (keys: readonly string[] = []) =>
  keys.length === 0 ? '' : ` (${keys.slice(0, SAMPLE).join(', ')}${keys.length > SAMPLE ? ', …' : ''})`;

const effectCheck = (truth: GroundTruth, promise: DeliveryPromise): Check => {
  const detail = `${truth.effects} effects, ${truth.lost} lost${sample(truth.lostKeys)}, ${truth.duplicateEffects} duplicate${sample(truth.duplicateKeys)}`;
  if (promise === 'at-least-once')
    return {
      name: 'every non-poison message has an effect (at-least-once: duplicates allowed)',
      ok: truth.lost === 0,
      detail,
    };
  if (promise === 'at-most-once')
    return {
      name: 'no message has more than one effect (at-most-once: losses allowed)',
      ok: truth.duplicateEffects === 0,
      detail,
    };
  return {
    name: 'every non-poison message has exactly one effect',
    ok: truth.lost === 0 && truth.duplicateEffects === 0,
    detail,
  };
};

/**
 * The invariants of one workload's messages, from its ground truth: their effects as its
 * consumer's promise asks, none for poison, each group's order, and its dead-letter queue.
 *
 * @example
 * messageInvariants(truth, 'at-least-once', 3); // [effects, poison, order, DLQ]
 */
export const messageInvariants = (truth: GroundTruth, promise: DeliveryPromise, poison: number): Check[] => {
  const late = (truth.redriven ?? []).filter((r) => r.cause === 'late-invocation' && !r.applied);
  // An unfenced consumer's late invocation applied its records all the same: still in the DLQ, say so.
  const lateApplied = (truth.redriven ?? []).filter((r) => r.cause === 'late-invocation' && r.applied);
  const reordered = truth.reorderedKeys ?? [];
  return [
    effectCheck(truth, promise),
    {
      name: 'no poison message has an effect',
      ok: truth.poisonEffects === 0,
      detail: `${truth.poisonEffects} poison with an effect`,
    },
    {
      name: "each group's effects are in sequence order",
      ok: truth.orderViolations === null ? null : truth.orderViolations === 0,
      detail:
        truth.orderViolations === null
          ? 'not checked: the scenario reads no order'
          : `${truth.orderViolations} out of order by the consumer`,
    },
    ...(truth.orderViolations === null
      ? []
      : [
          {
            name: 'no message SQS redrove is applied after its successors',
            ok: reordered.length === 0,
            detail: `${reordered.length} redriven to the DLQ, then applied after their successors by a resend or a replay${sample(reordered)}`,
          },
        ]),
    {
      name: 'every poison message is in the DLQ, and nothing else',
      ok: truth.poisonMissingFromDlq === 0 && truth.goodInDlq === 0,
      detail: `${truth.deadLettered} dead-lettered of ${poison} poison; ${truth.poisonMissingFromDlq} missing, ${truth.goodInDlq} good messages${late.length > 0 ? `; ${late.length} more held there by SQS after a late invocation, not applied${sample(late.map((r) => r.messageId))}` : ''}${lateApplied.length > 0 ? `; ${lateApplied.length} more moved there by SQS after a late invocation, which applied them${sample(lateApplied.map((r) => r.messageId))}` : ''}`,
    },
  ];
};

/**
 * One other workload's report.
 *
 * @example
 * workloadReport({ queue: 'Audit', promise: 'at-least-once', truth, messages: 100, sent: 104, poison: 1 });
 */
export const workloadReport = (input: {
  queue: string;
  promise: DeliveryPromise;
  truth: GroundTruth;
  messages: number;
  sent: number;
  poison: number;
}): WorkloadReport => ({
  queue: input.queue,
  promise: input.promise,
  messages: input.messages,
  sent: input.sent,
  effects: input.truth.effects,
  lost: input.truth.lost,
  lostKeys: input.truth.lostKeys,
  duplicateEffects: input.truth.duplicateEffects,
  duplicateKeys: input.truth.duplicateKeys,
  orderViolations: input.truth.orderViolations,
  deadLettered: input.truth.deadLettered,
  poison: input.poison,
  invariants: messageInvariants(input.truth, input.promise, input.poison),
});
