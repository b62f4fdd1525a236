import type { SQSClient } from '@aws-sdk/client-sqs';
import { replayDeadLetters } from '../dlq/index.ts';
import type { LocalDeployment, LocalQueue } from '../local/index.ts';
import { dlqArnOf } from './check.ts';

/** What `verify --replay` did after the app drained: the dead letters it sent back, and the wait after. */
export type ReplayPhase = {
  /** Messages sent back to the driven queue, and left in the DLQ (with why, for the first few). */
  replayed: number;
  held: number;
  /** Poison, left in the DLQ on purpose. */
  skipped: number;
  /** The dead-letter queue's message ids of the replayed messages, and their bodies. */
  messageIds: string[];
  bodies: string[];
  reasons: string[];
};

/**
 * Replays the driven queue's dead-letter queue into the driven queue, as an operator would after
 * an outage (`reliable-events dlq replay`): every message but the run's poison, in the DLQ's
 * order, group by group. A message without our attributes (SQS's own redrive) goes to the driven
 * queue too. The caller then waits for the app to drain again.
 */
export const replayDrivenDlq = async (input: {
  sqs: SQSClient;
  driven: LocalQueue;
  deployment: LocalDeployment;
  poisonBodies: Pick<ReadonlySet<string>, 'has'>;
}): Promise<ReplayPhase> => {
  const dlqArn = dlqArnOf(input.driven);
  const dlq = input.deployment.queues.find((q) => q.arn === dlqArn);
  if (!dlq) return { replayed: 0, held: 0, skipped: 0, messageIds: [], bodies: [], reasons: [] };
  const bodies: string[] = [];
  const report = await replayDeadLetters({
    onStep: (step, letter) => {
      if (step === 'sent') bodies.push(letter.body);
    },
    client: input.sqs,
    queueUrl: dlq.url,
    to: input.driven.url,
    filter: { select: (letter) => !input.poisonBodies.has(letter.body) },
    timeoutMs: 300_000,
  });
  return {
    replayed: report.replayed,
    held: report.held,
    skipped: report.skipped,
    bodies,
    messageIds: report.entries.filter((e) => e.outcome === 'replayed').map((e) => e.messageId),
    reasons: [
      ...new Set(report.entries.flatMap((e) => (e.outcome === 'held' && e.reason ? [e.reason] : []))),
    ],
  };
};

type Drained = { drained: boolean; drainedAt: number };

/**
 * Waits for the app to drain; with `replay`, then replays and waits again. The app drained only if
 * it did before the replay too: one that did not is not replayed into (its dead letters are not all
 * there yet), and the run says it did not drain instead of the second wait's verdict.
 */
export const drainThenReplay = async <T>(
  drain: () => Promise<Drained>,
  replay?: () => Promise<T>,
): Promise<Drained & { replay?: T }> => {
  const first = await drain();
  if (!replay || !first.drained) return first;
  const replayed = await replay();
  return { ...(await drain()), replay: replayed };
};
