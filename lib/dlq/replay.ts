import {
  DeleteMessageCommand,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { DeadLetterAttribute } from '../sqs/dead-letter.ts';
import { GroupParkedError } from '../sqs/errors.ts';
import { type Applied, lookUpApplied } from './applied.ts';
import { type DeadLetter, replayIdOf, toDeadLetter } from './dead-letter-message.ts';
import { openLedger } from './ledger.ts';
import { approximateCount, RECEIVE_ATTRIBUTES, release } from './read.ts';
import { checkReplayOptions, DEDUPLICATION_WINDOW_MS, deduplicationIdOf, matches } from './replay-rules.ts';
import { targetResolver } from './targets.ts';

/** The attribute a replayed message carries: the same value on every run, for a consumer to dedupe on. */
export const ReplayAttribute = { ReplayOf: DeadLetterAttribute.ReplayOf } as const;

import type { ReplayEntry, ReplayOptions, ReplayReport } from './replay-types.ts';

export type { ReplayEntry, ReplayOptions, ReplayReport };

export const replayDefaults = {
  dryRun: false,
  skipApplied: false,
  visibilityTimeoutSeconds: 30,
  maxMessages: 10_000,
  timeoutMs: 900_000,
} as const;

const MAX_ATTRIBUTES = 10;
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/**
 * Sends dead letters back to the queue each came from, in the DLQ's order, then deletes each from
 * the DLQ — sent first, deleted after, so a crash between the two leaves the message in the DLQ,
 * never lost. A re-run sends nothing already replayed: to a FIFO queue each message goes with a
 * deduplication id derived from its source message id (SQS drops a second send within 5 minutes);
 * to a standard queue, give a `ledger`. Every replayed message carries `reliable-events.replay-of`,
 * the same on every run, for a consumer to dedupe on. It keeps the group id and the original
 * attributes and drops ours. A message is held in the DLQ, with the reason, when its source is not
 * recorded (and no `to`), its source queue no longer exists, or an earlier message of its group was held.
 *
 * @example
 * const report = await replayDeadLetters({ client: new SQSClient({}), queueUrl: dlqUrl });
 */
export const replayDeadLetters = async (options: ReplayOptions): Promise<ReplayReport> => {
  const opts = { ...replayDefaults, ...options };
  checkReplayOptions(opts);
  const { client, queueUrl } = opts;
  const report: ReplayReport = {
    replayed: 0,
    alreadyReplayed: 0,
    alreadyApplied: 0,
    deletedApplied: 0,
    held: 0,
    skipped: 0,
    approximateTotal: await approximateCount(client, queueUrl),
    entries: [],
  };
  const resolveTarget = targetResolver(client);
  const ledger = opts.ledger && !opts.dryRun ? openLedger(opts.ledger) : undefined;
  const hold = new Map<string, string>(); // message id → receipt handle, made visible at the end
  const done = new Set<string>();
  const blockedGroups = new Set<string>();
  // Groups this run sent a message of: the first one is always sent (it may release a park).
  let applied = new Map<string, Applied>();
  const startedAt = Date.now();
  const deadline = startedAt + opts.timeoutMs;
  // What this run sent: a replayed message that fails again comes back to the DLQ under one of these
  // ids (and after startedAt). It waits for the next run, or a replay would chase its own tail.
  const sentIds = new Set<string>();
  let lastSend = 0;
  // Paced, a receive takes no more than half its visibility timeout to replay, so no receipt
  // handle expires (and no message shows up again) while it waits its turn.
  const perReceive = opts.ratePerSecond
    ? Math.min(10, Math.max(1, Math.floor((opts.ratePerSecond * opts.visibilityTimeoutSeconds) / 2)))
    : 10;

  const record = (letter: DeadLetter, entry: Omit<ReplayEntry, 'messageId' | 'replayId'>) => {
    report.entries.push({
      messageId: letter.messageId,
      replayId: replayIdOf(letter),
      ...(letter.groupId ? { groupId: letter.groupId } : {}),
      ...(letter.error ? { error: letter.error.name } : {}),
      ...(letter.source ? { source: letter.source.queue } : {}),
      ...(opts.idempotency && entry.outcome !== 'skipped'
        ? { applied: applied.get(letter.messageId)?.status ?? 'unknown' }
        : {}),
      ...entry,
    });
    if (
      opts.idempotency &&
      entry.outcome !== 'skipped' &&
      applied.get(letter.messageId)?.status === 'applied'
    )
      report.alreadyApplied += 1;
    const counter = {
      replayed: 'replayed',
      'would-replay': 'replayed',
      'already-replayed': 'alreadyReplayed',
      'already-applied': 'deletedApplied',
      held: 'held',
      skipped: 'skipped',
    } as const;
    report[counter[entry.outcome]] += 1;
    opts.onProgress?.(report);
  };
  const keep = (letter: DeadLetter, entry: Omit<ReplayEntry, 'messageId' | 'replayId'>) => {
    hold.set(letter.messageId, letter.receiptHandle);
    // Later messages of its group must not overtake it.
    if (letter.groupId) blockedGroups.add(letter.groupId);
    record(letter, entry);
  };
  const remove = async (letter: DeadLetter) => {
    await client.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: letter.receiptHandle }));
    done.add(letter.messageId);
    await opts.onStep?.('deleted', letter);
  };

  const replayOne = async (letter: DeadLetter) => {
    if (!matches(letter, opts.filter ?? {})) {
      hold.set(letter.messageId, letter.receiptHandle);
      if (letter.groupId) blockedGroups.add(letter.groupId);
      return record(letter, { outcome: 'skipped' });
    }
    if (letter.sentAt > startedAt || (letter.source?.messageId && sentIds.has(letter.source.messageId)))
      return keep(letter, {
        outcome: 'held',
        reason: 'dead-lettered after this replay began (again, if it was replayed)',
      });
    if (letter.groupId && blockedGroups.has(letter.groupId))
      return keep(letter, { outcome: 'held', reason: 'behind an earlier message of its group that stays' });
    const sourceName = letter.source?.queue ?? opts.to;
    if (!sourceName)
      return keep(letter, { outcome: 'held', reason: 'no source queue recorded: pass --to <queue>' });
    const target = await resolveTarget(sourceName);
    if ('missing' in target) return keep(letter, { outcome: 'held', reason: target.missing });
    if (target.fifo && !letter.groupId)
      return keep(letter, {
        outcome: 'held',
        target: target.url,
        reason: 'the target is FIFO and the message has no group id',
      });
    // A FIFO group's park waits for its head, whatever its place in the DLQ: deleting the head
    // unsent would leave the group parked for good. Only a follower parked behind it is safe to drop.
    const mayDrop = letter.groupId === undefined || letter.error?.name === GroupParkedError.errorName;
    if (opts.skipApplied && mayDrop && applied.get(letter.messageId)?.status === 'applied') {
      if (opts.dryRun) hold.set(letter.messageId, letter.receiptHandle);
      else await remove(letter);
      return record(letter, { outcome: 'already-applied', target: target.url });
    }
    if (opts.dryRun) {
      hold.set(letter.messageId, letter.receiptHandle);
      return record(letter, { outcome: 'would-replay', target: target.url });
    }
    const replayId = replayIdOf(letter);
    const earlier = await ledger?.claim(replayId);
    if (earlier?.status === 'sent') {
      await remove(letter);
      return record(letter, { outcome: 'already-replayed', target: target.url });
    }
    // Claimed by a run that stopped between its send and its mark: resending is safe only where
    // SQS still deduplicates it.
    if (earlier && !(target.fifo && Date.now() - earlier.at < DEDUPLICATION_WINDOW_MS))
      return keep(letter, {
        outcome: 'held',
        target: target.url,
        reason: `in doubt: a replay begun ${new Date(earlier.at).toISOString()} may have sent it; check the consumer, then delete it or clear its ledger entry`,
      });
    if (opts.ratePerSecond) {
      await sleep(Math.max(0, lastSend + 1000 / opts.ratePerSecond - Date.now()));
      lastSend = Date.now();
    }
    const attributes: Record<string, MessageAttributeValue> = { ...letter.attributes };
    if (Object.keys(attributes).length < MAX_ATTRIBUTES)
      attributes[ReplayAttribute.ReplayOf] = { DataType: 'String', StringValue: replayId };
    const { MessageId } = await client.send(
      new SendMessageCommand({
        QueueUrl: target.url,
        MessageBody: letter.body,
        ...(Object.keys(attributes).length > 0 ? { MessageAttributes: attributes } : {}),
        ...(target.fifo
          ? { MessageGroupId: letter.groupId, MessageDeduplicationId: deduplicationIdOf(replayId) }
          : {}),
      }),
    );
    if (MessageId) sentIds.add(MessageId);
    await ledger?.markSent(replayId);
    await opts.onStep?.('sent', letter);
    await remove(letter);
    record(letter, { outcome: 'replayed', target: target.url });
  };

  try {
    for (let round = 0; round < opts.maxMessages && Date.now() < deadline; round++) {
      const { Messages = [] } = await client.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          ...RECEIVE_ATTRIBUTES,
          MaxNumberOfMessages: perReceive,
          VisibilityTimeout: opts.visibilityTimeoutSeconds,
        }),
      );
      const letters = Messages.map(toDeadLetter);
      // A held message whose visibility ran out comes back: keep it held, and stop once nothing is new.
      const fresh = letters.filter((l) => !hold.has(l.messageId) && !done.has(l.messageId));
      for (const letter of letters)
        if (hold.has(letter.messageId)) hold.set(letter.messageId, letter.receiptHandle);
      if (fresh.length === 0) break;
      // Looked up after the receive, just before the sends: a record that completes in between is
      // reported not applied and sent, and the consumer suppresses it.
      if (opts.idempotency)
        applied = await lookUpApplied(
          opts.idempotency,
          fresh.filter((letter) => matches(letter, opts.filter ?? {})),
        );
      for (const letter of fresh) {
        if (report.entries.length < opts.maxMessages) await replayOne(letter);
        else hold.set(letter.messageId, letter.receiptHandle);
      }
    }
  } finally {
    await release(client, queueUrl, [...hold.values()]);
  }
  return report;
};
