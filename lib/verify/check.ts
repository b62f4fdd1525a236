import { DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { LocalQueue } from '../local/index.ts';
import { DeadLetterAttribute } from '../sqs/index.ts';
import { countEffects, groupOrders } from './effects.ts';
import { callScenario } from './load-scenario.ts';
import type { Scenario, ScenarioCheck, ScenarioContext } from './scenario.ts';
import type { PlanView, SentWorkload } from './workload.ts';

/** What the app's tables and dead-letter queues say, with no help from the toolkit's counters. */
export type GroundTruth = {
  /** Keys with an effect. */
  effects: number;
  /** Non-poison messages with no effect, but those a late invocation left in the DLQ (`redriven`). */
  lost: number;
  /** Their keys. */
  lostKeys: string[];
  /** Effects applied more than once (the sum of the extra applications, and repeats in a group's order). */
  duplicateEffects: number;
  /** The keys whose effect was applied more than once. */
  duplicateKeys: string[];
  /** Poison messages that nevertheless got an effect. */
  poisonEffects: number;
  /**
   * Places where a group's order has a key after one sent later, by the consumer; null when the
   * scenario keeps no order. A key SQS redrove to the DLQ and that was applied later anyway (its
   * resend, a replay, an unfenced late commit) is counted in `reorderedAfterRedrive` instead.
   */
  orderViolations: number | null;
  /** Order violations of keys SQS had redriven to the DLQ: the redrive reordered them, not the consumer. */
  reorderedAfterRedrive: number;
  /** Their keys. */
  reorderedKeys: string[];
  /**
   * Good messages SQS itself moved to the DLQ (they carry none of the consumer's dead-letter
   * attributes), with the cause the run knows: a late invocation it injected, or receives used up.
   */
  redriven: {
    key: string;
    messageId: string;
    cause: 'late-invocation' | 'receives-used-up';
    applied: boolean;
  }[];
  /** Messages in the driven queue's dead-letter queue. */
  deadLettered: number;
  /** Poison messages not found in the dead-letter queue. */
  poisonMissingFromDlq: number;
  /** Non-poison messages found in the dead-letter queue, but those a late invocation left there. */
  goodInDlq: number;
  /** Messages left in the app's other dead-letter queues, by queue name. */
  otherDeadLettered: Record<string, number>;
  /** The scenario's own checks. */
  scenarioChecks: ScenarioCheck[];
};

/** Reads every message off a queue (deleting it: the run is over), at most `limit` and 30 s. */
export const drainQueue = async (sqs: SQSClient, QueueUrl: string, limit: number) => {
  const messages: { messageId: string; body: string; sourceMessageId?: string }[] = [];
  const deadline = Date.now() + 30_000;
  for (let empty = 0; empty < 2 && messages.length < limit && Date.now() < deadline; ) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        MessageAttributeNames: ['All'],
      }),
    );
    empty = Messages.length === 0 ? empty + 1 : 0;
    for (const m of Messages) {
      const source = m.MessageAttributes?.[DeadLetterAttribute.SourceMessageId]?.StringValue;
      messages.push({
        messageId: m.MessageId ?? '',
        body: m.Body ?? '',
        ...(source ? { sourceMessageId: source } : {}),
      });
    }
    if (Messages.length > 0)
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl,
          Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
        }),
      );
  }
  return messages;
};

/** Counts, in one group's order of effects, the keys that come after one sent later (`late`), and the repeats. */
export const orderViolationsOf = (order: readonly string[], seqOf: (key: string) => number | undefined) => {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  let violations = 0;
  let duplicates = 0;
  let last = 0;
  const late: string[] = [];
  for (const key of order) {
    if (seen.has(key)) {
      duplicates += 1;
      repeated.add(key);
      continue;
    }
    seen.add(key);
    const seq = seqOf(key) ?? 0;
    if (seq < last) {
      violations += 1;
      late.push(key);
    }
    last = Math.max(last, seq);
  }
  return { violations, duplicates, late, repeated: [...repeated] };
};

/** The ARN of the dead-letter queue a queue's redrive policy names, if any. */
export const dlqArnOf = (queue: LocalQueue): string | undefined =>
  queue.attributes.RedrivePolicy
    ? (JSON.parse(queue.attributes.RedrivePolicy) as { deadLetterTargetArn: string }).deadLetterTargetArn
    : undefined;

/** The dead-letter queues of the app: every queue some redrive policy points at. */
export const deadLetterQueues = (queues: readonly LocalQueue[]) => {
  const targets = new Set(
    queues.flatMap((q) =>
      q.attributes.RedrivePolicy
        ? [(JSON.parse(q.attributes.RedrivePolicy) as { deadLetterTargetArn: string }).deadLetterTargetArn]
        : [],
    ),
  );
  return queues.filter((q) => targets.has(q.arn));
};

/** The generic invariants' ground truth, from the scenario's view of the tables and from the DLQs. */
export const checkGroundTruth = async (input: {
  context: ScenarioContext;
  scenario: Pick<Scenario, 'effects' | 'order' | 'checks'>;
  driven: LocalQueue;
  plan: PlanView;
  sent: SentWorkload;
  /** Dead-letter queues of the scenario's other workloads: theirs to check, not "other" here. @default none */
  workloadDlqs?: ReadonlySet<string>;
  /** Whether to read the app's other dead-letter queues (the first workload does, the others not). @default true */
  countOthers?: boolean;
  /** Message ids of the records late invocations held when they started (the fault injector's). @default none */
  startedLate?: ReadonlySet<string>;
  /** Places of the dead letters `verify --replay` sent back: applied after their successors, the DLQ reordered them. @default none */
  replayed?: ReadonlySet<number>;
  /**
   * Whether message `index` had an effect when the replay began: a replayed one that had was
   * applied before the replay (an unfenced late commit, say), so the replay did not reorder it. @default none
   */
  appliedBeforeReplay?: (index: number) => boolean;
}): Promise<GroundTruth> => {
  const { context, scenario, driven, plan, sent } = input;
  const { times, effects } = await countEffects(plan, () => scenario.effects(context));

  const dlqArn = dlqArnOf(driven);
  const dlqs = deadLetterQueues(context.deployment.queues);
  const dlq = dlqs.find((q) => q.arn === dlqArn);
  const dead = dlq ? await drainQueue(context.sqs, dlq.url, sent.messages + 10) : [];
  const indexOf = (m: (typeof dead)[number]) =>
    sent.indexOfMessage(m.sourceMessageId ?? m.messageId) ?? plan.indexOf(m.body);
  const inDlq = new Set(dead.map(indexOf).filter((i) => i >= 0));
  const good = (index: number) => index >= 0 && !plan.at(index).poison;
  // SQS's own redrive moves a message as it is, without the attributes the consumer writes.
  const redriven = dead
    .filter((m) => !m.sourceMessageId && good(indexOf(m)))
    .map((m) => ({
      index: indexOf(m),
      messageId: m.messageId,
      cause: input.startedLate?.has(m.messageId)
        ? ('late-invocation' as const)
        : ('receives-used-up' as const),
      applied: times[indexOf(m)]! > 0,
    }));
  const heldLate = new Set(redriven.filter((r) => r.cause === 'late-invocation').map((r) => r.index));
  // A redriven key applied after its successors was reordered by the redrive when something sent it
  // again (a resend, a replay); a late invocation's own commit landing after them is the consumer's.
  // A replayed key already applied before the replay was not reordered by it, unless a resend applied it.
  const replayed = [...(input.replayed ?? [])].filter(
    (i) => plan.at(i).resend || !input.appliedBeforeReplay?.(i),
  );
  const redrivenIndices = new Set([
    ...redriven.filter((r) => r.cause === 'receives-used-up' || plan.at(r.index).resend).map((r) => r.index),
    ...replayed,
  ]);

  const lost: number[] = [];
  const duplicated = new Set<number>();
  let duplicateEffects = 0;
  let poisonEffects = 0;
  let poisonMissingFromDlq = 0;
  for (let i = 0; i < plan.size; i++) {
    const n = times[i]!;
    const { poison } = plan.at(i);
    if (poison) {
      poisonEffects += n > 0 ? 1 : 0;
      poisonMissingFromDlq += inDlq.has(i) ? 0 : 1;
    } else if (n === 0 && !heldLate.has(i)) lost.push(i);
    if (n > 1) duplicated.add(i);
    duplicateEffects += Math.max(0, n - 1);
  }

  let orderViolations: number | null = null;
  const reorderedKeys: string[] = [];
  const repeatedInOrder = new Set<string>();
  if (scenario.order) {
    orderViolations = 0;
    const seqOf = (key: string) => {
      const i = plan.indexOf(key);
      return i < 0 ? undefined : plan.at(i).seq;
    };
    for await (const [, keys] of groupOrders(scenario.order, context)) {
      const found = orderViolationsOf(keys, seqOf);
      const byRedrive = found.late.filter((key) => redrivenIndices.has(plan.indexOf(key)));
      reorderedKeys.push(...byRedrive);
      orderViolations += found.violations - byRedrive.length;
      duplicateEffects += found.duplicates;
      for (const key of found.repeated) repeatedInOrder.add(key);
    }
  }

  const otherDeadLettered: Record<string, number> = {};
  const others =
    input.countOthers === false ? [] : dlqs.filter((q) => q !== dlq && !input.workloadDlqs?.has(q.arn));
  for (const queue of others)
    otherDeadLettered[queue.name] = (await drainQueue(context.sqs, queue.url, sent.messages + 10)).length;

  const scenarioChecks = scenario.checks
    ? await callScenario('checks()', () => scenario.checks!(context))
    : [];
  // The keys to name, made again from the seed in one pass.
  const keys = plan.keysAt(new Set([...lost, ...duplicated, ...redriven.map((r) => r.index)]));
  return {
    effects,
    lost: lost.length,
    lostKeys: lost.map((i) => keys.get(i)!),
    duplicateEffects,
    duplicateKeys: [...new Set([...[...duplicated].map((i) => keys.get(i)!), ...repeatedInOrder])],
    poisonEffects,
    orderViolations,
    reorderedAfterRedrive: reorderedKeys.length,
    reorderedKeys,
    redriven: redriven.map(({ index, ...r }) => ({ key: keys.get(index)!, ...r })),
    deadLettered: dead.length,
    poisonMissingFromDlq,
    goodInDlq: [...inDlq].filter((i) => good(i) && !heldLate.has(i)).length,
    otherDeadLettered,
    scenarioChecks,
  };
};
