import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteMessageCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { documentClient } from '../document-client.ts';
import { fenceKeyOf } from '../sqs/fence.ts';
import { type DeadLetter, replayIdOf, toDeadLetter } from './dead-letter-message.ts';
import { appendDurably, findDiscarded } from './discard-file.ts';
import { DeadLetterOptionsError, DiscardError } from './errors.ts';
import { exportLineOf } from './export.ts';
import { checkVisibility, RECEIVE_ATTRIBUTES, release } from './read.ts';

export type DiscardOptions = {
  client: SQSClient;
  /** The dead-letter queue's URL. */
  queueUrl: string;
  /** The message to discard: its id in the DLQ, or its source message id. */
  messageId: string;
  /** Its message group (FIFO): where its park is, and what is checked before anything is deleted. */
  group?: string;
  /** The JSONL file it is exported to (appended, synced) before it is deleted. */
  file: string;
  /** The table holding the group's fence item (the idempotency table), where the park is moved. Required for a message with a group. */
  fence?: { tableName: string; client?: DynamoDBClient };
  /** How long each message received stays hidden. @default 30 */
  visibilityTimeoutSeconds?: number;
  /** Called after each step; a throw stops it there (as a crash would). */
  onStep?: (step: 'exported' | 'deleted' | 'park-moved') => void | Promise<void>;
};

/** What became of the group's park: moved to the group's first message left in the DLQ, lifted (none left), or left alone. */
export type ParkOutcome =
  | { kind: 'moved'; to: string }
  | { kind: 'lifted' }
  | { kind: 'not-parked' }
  | { kind: 'parked-elsewhere'; behind: string };

export type DiscardReport = {
  /** The DLQ message id and the id its replay would carry. */
  messageId: string;
  replayId: string;
  groupId?: string;
  /** `already-discarded`: a run before this one exported and deleted it (found in `file`). */
  outcome: 'discarded' | 'already-discarded';
  file: string;
  /** Undefined for a message without a group. */
  park?: ParkOutcome;
  /** The group's first message left in the DLQ (its replay id), which a replay sends first. */
  nextInGroup?: string;
};

export const discardDefaults = { visibilityTimeoutSeconds: 30 } as const;

// Receives until `stop` says so or nothing new comes; the caller releases what it holds.
const receiveUntil = async (
  opts: DiscardOptions & { visibilityTimeoutSeconds: number },
  held: Map<string, DeadLetter>,
  stop: (letters: DeadLetter[]) => boolean,
) => {
  for (let round = 0; round < 1000; round++) {
    const { Messages = [] } = await opts.client.send(
      new ReceiveMessageCommand({
        QueueUrl: opts.queueUrl,
        ...RECEIVE_ATTRIBUTES,
        VisibilityTimeout: opts.visibilityTimeoutSeconds,
      }),
    );
    const fresh = Messages.map(toDeadLetter).filter((letter) => !held.has(letter.messageId));
    for (const letter of fresh) held.set(letter.messageId, letter);
    if (fresh.length === 0 || stop(fresh)) return;
  }
};

// Moves the park from the discarded message to `next` (the id its replay carries), or lifts it
// when no message of the group is left: only if the park still waits for the discarded message.
const movePark = async (
  fence: NonNullable<DiscardOptions['fence']>,
  key: string,
  discarded: string,
  next: string | undefined,
): Promise<ParkOutcome> => {
  try {
    await documentClient(fence.client).send(
      new UpdateCommand({
        TableName: fence.tableName,
        Key: { pk: key },
        UpdateExpression: next ? 'SET #parkedId = :next' : 'REMOVE #parked, #parkedId',
        ConditionExpression: '#parkedId = :discarded',
        ExpressionAttributeNames: {
          '#parkedId': 'parkedMessageId',
          ...(next ? {} : { '#parked': 'parkedAt' }),
        },
        ExpressionAttributeValues: { ':discarded': discarded, ...(next ? { ':next': next } : {}) },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return next ? { kind: 'moved', to: next } : { kind: 'lifted' };
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    const behind = error.Item ? unmarshall(error.Item).parkedMessageId : undefined;
    if (typeof behind !== 'string') return { kind: 'not-parked' };
    // A run before this one moved it already.
    return behind === next ? { kind: 'moved', to: next } : { kind: 'parked-elsewhere', behind };
  }
};

/**
 * Discards one dead letter for good — a poison head whose replay would only park its group again:
 * writes it to `file` (the export's JSONL, synced to disk), then deletes it from the DLQ, then moves
 * its group's park to the group's next message in the DLQ (the one a replay sends first, whose commit
 * lifts it), or lifts the park when none is left. Each step can be repeated: a re-run after a crash
 * finds the message in `file` instead of the DLQ and goes on from there; a re-run after success changes nothing.
 *
 * @example
 * await discardDeadLetter({ client, queueUrl: dlqUrl, messageId, group: 'customer-7', file: 'poison.jsonl', fence: { tableName } });
 */
export const discardDeadLetter = async (options: DiscardOptions): Promise<DiscardReport> => {
  const opts = { ...discardDefaults, ...options };
  checkVisibility('visibilityTimeoutSeconds', opts.visibilityTimeoutSeconds);
  const { client, queueUrl, messageId, group } = opts;
  const fifo = queueUrl.endsWith('.fifo');
  if (fifo && !group)
    throw new DeadLetterOptionsError('group: a FIFO dead letter is discarded by group and message id.');
  if (fifo && !opts.fence)
    throw new DeadLetterOptionsError(
      'fence: a FIFO group may be parked behind the message; name the table its fence lives in (the idempotency table).',
    );
  const held = new Map<string, DeadLetter>();
  const isTarget = (l: DeadLetter) =>
    (l.messageId === messageId || replayIdOf(l) === messageId) &&
    (group === undefined || l.groupId === group);
  let target: DeadLetter | undefined;
  let outcome: DiscardReport['outcome'] = 'discarded';
  let where: { replayId: string; queue?: string; groupId?: string; messageId: string };
  try {
    // A FIFO queue hands out a group's messages in order, at most 10 while they are in flight:
    // after a full receive that held some of the group, the target may be behind them.
    let behind = false;
    await receiveUntil(opts, held, (letters) => {
      behind ||=
        letters.length >= RECEIVE_ATTRIBUTES.MaxNumberOfMessages && letters.some((l) => l.groupId === group);
      return [...held.values()].some(isTarget);
    });
    target = [...held.values()].find(isTarget);
    if (target) {
      if (!findDiscarded(opts.file, target.messageId, target.groupId))
        appendDurably(opts.file, exportLineOf(queueUrl, target, new Date().toISOString()));
      await opts.onStep?.('exported');
      await client.send(
        new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: target.receiptHandle }),
      );
      held.delete(target.messageId);
      await opts.onStep?.('deleted');
      where = {
        replayId: replayIdOf(target),
        queue: target.source?.queue,
        groupId: target.groupId,
        messageId: target.messageId,
      };
    } else {
      const earlier = findDiscarded(opts.file, messageId, group);
      if (!earlier)
        throw new DiscardError(
          fifo && behind
            ? `Message ${messageId} is not among the first messages of group ${group} the DLQ hands out (up to 10, some perhaps another queue's): it may be behind them (replay or discard those first), or the id may be wrong (dlq show).`
            : `Message ${messageId}${group ? ` of group ${group}` : ''} is neither in the dead-letter queue nor in ${opts.file}: check the id (dlq show) and the file.`,
        );
      outcome = 'already-discarded';
      where = {
        replayId: earlier.replayId,
        queue: earlier.source?.queue,
        groupId: earlier.groupId,
        messageId: earlier.messageId,
      };
    }
  } finally {
    await release(
      client,
      queueUrl,
      [...held.values()].map((l) => l.receiptHandle),
    );
    held.clear();
  }
  const report: DiscardReport = {
    messageId: where.messageId,
    replayId: where.replayId,
    outcome,
    file: opts.file,
    ...(where.groupId ? { groupId: where.groupId } : {}),
  };
  if (!where.groupId || !opts.fence) return report;
  if (!where.queue)
    throw new DiscardError(
      `Message ${where.messageId} has no recorded source queue, so its group's park cannot be found; it was exported to ${opts.file}.`,
    );
  // With it gone, the group's first message in the DLQ is its new head: the one a replay sends first.
  // Of the same group and the same source queue: a DLQ several queues share holds other queues'
  // groups of the same id (a letter SQS moved itself records no source: it may be this queue's).
  const sameGroup = (l: DeadLetter) =>
    l.groupId === where.groupId && (l.source?.queue === undefined || l.source.queue === where.queue);
  let next: DeadLetter | undefined;
  // SQS hands out no more of a group while some of it is in flight: when a full receive held
  // another queue's messages of the group (10 of them, or fewer after other groups'), this
  // queue's next may be behind them.
  let hidden = false;
  try {
    await receiveUntil(opts, held, (letters) => {
      const full = letters.length >= RECEIVE_ATTRIBUTES.MaxNumberOfMessages;
      hidden ||= full && letters.some((l) => l.groupId === where.groupId);
      return letters.some(sameGroup);
    });
    next = [...held.values()].find(sameGroup);
    if (!next && hidden)
      throw new DiscardError(
        `Message ${where.messageId} was exported to ${opts.file} and deleted, but the first messages of group ${where.groupId} the DLQ hands out are another queue's, and this queue's next may be behind them: replay or discard those, then run discard again to move the park.`,
      );
  } finally {
    await release(
      client,
      queueUrl,
      [...held.values()].map((l) => l.receiptHandle),
    );
  }
  report.park = await movePark(
    opts.fence,
    fenceKeyOf(where.queue, where.groupId),
    where.replayId,
    next && replayIdOf(next),
  );
  if (next) report.nextInGroup = replayIdOf(next);
  await opts.onStep?.('park-moved');
  return report;
};
