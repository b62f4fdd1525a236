import type { SQSRecord } from 'aws-lambda';
import type { TransactWrite } from '../idempotency/transaction.ts';
import { DeadLetterAttribute } from './dead-letter.ts';

/** Where the fence items live: a table keyed by the string `pk` (the idempotency table). */
export type FenceTable = { tableName: string };

// SQS SequenceNumbers are decimal strings of up to 128 bits (39 digits): padded to one width they
// compare as strings exactly as they do as numbers, which a JavaScript number cannot do.
// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_Message.html
const WIDTH = 40;

/** A record's SequenceNumber, padded; undefined when it has none (not FIFO) or it is not a decimal. */
export const fenceSequenceOf = (record: SQSRecord): string | undefined => {
  const raw = record.attributes?.SequenceNumber;
  return raw !== undefined && /^\d{1,39}$/.test(raw) ? raw.padStart(WIDTH, '0') : undefined;
};

/** What the fence needs of a record: its padded SequenceNumber, and the message a replay of it releases. */
export const fenceTicketOf = (record: SQSRecord): { sequence: string; release?: string } | undefined => {
  const sequence = fenceSequenceOf(record);
  if (!sequence) return undefined;
  const release = record.messageAttributes?.[DeadLetterAttribute.ReplayOf]?.stringValue;
  return release ? { sequence, release } : { sequence };
};

// A message of the group older than this cannot exist any more: 14 days is SQS's longest retention.
// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html
const KEEP_S = 15 * 24 * 3600;

/** How a group's fence decides: the move it makes and whether a parked group holds it back. */
export type FenceMove = {
  queue: string;
  group: string;
  /** Padded SequenceNumbers of the first and last record the commit holds. */
  first: string;
  last: string;
  nowMs: number;
  /** `onDeadLetter: 'park-group'`: a parked group's commits are cancelled, unless this releases it. */
  parking: boolean;
  /** The source message id a replayed head carries (`reliable-events.replay-of`): releases the park it made. */
  release?: string;
};

const NAMES = {
  '#seq': 'fenceSequence',
  '#expires': 'expiresAt',
  '#parked': 'parkedAt',
  '#parkedId': 'parkedMessageId',
};

/**
 * The fence's move as a write to commit with a group's records: the item of (queue, group) holds
 * the SequenceNumber of the last committed record, and only a higher first number passes — so a
 * late commit of k after k + 1 is cancelled with everything in its transaction. With parking, a
 * group parked behind a dead-lettered record cancels every commit but its replayed head's, which
 * lifts the park in the same transaction. A failed condition returns the item (`ALL_OLD`), which
 * tells a parked group from a late commit.
 */
export const fenceWrite = (table: FenceTable, move: FenceMove): TransactWrite => {
  const order = 'attribute_not_exists(#seq) OR #seq < :first';
  const parked = move.release
    ? 'attribute_not_exists(#parked) OR #parkedId = :release'
    : 'attribute_not_exists(#parked)';
  return {
    Update: {
      TableName: table.tableName,
      Key: { pk: fenceKeyOf(move.queue, move.group) },
      UpdateExpression: `SET #seq = :last, #expires = :expires${move.parking && move.release ? ' REMOVE #parked, #parkedId' : ''}`,
      ConditionExpression: move.parking ? `(${order}) AND (${parked})` : order,
      // DynamoDB refuses a name placeholder its expressions do not use.
      ExpressionAttributeNames: {
        '#seq': NAMES['#seq'],
        '#expires': NAMES['#expires'],
        ...(move.parking && { '#parked': NAMES['#parked'] }),
        ...(move.parking && move.release && { '#parkedId': NAMES['#parkedId'] }),
      },
      ExpressionAttributeValues: {
        ':first': move.first,
        ':last': move.last,
        ':expires': Math.floor(move.nowMs / 1000) + KEEP_S,
        ...(move.parking && move.release ? { ':release': move.release } : {}),
      },
      // Kept by the transaction: the cancellation reason carries the item.
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    },
  } as unknown as TransactWrite;
};

export const fenceKeyOf = (queue: string, group: string) => `fence#${queue}#${group}`;

/** Whether a fence item a failed condition returned (raw or unmarshalled) holds a park. */
export const isParked = (item: Record<string, unknown> | undefined): boolean =>
  item !== undefined && item !== null && 'parkedAt' in item;

/**
 * Parks a group behind the record being dead-lettered (`onDeadLetter: 'park-group'`): its later
 * records are dead-lettered behind it, in order, until a replay of it lifts the park. The first
 * park stands; parking a parked group again changes nothing — unless the record is the replay
 * (`release`) of the message the group is parked behind: failing again, it moves the park to its
 * own new message id, the one its copy in the DLQ is replayed as.
 */
export const parkWrite = (
  table: FenceTable,
  move: Pick<FenceMove, 'queue' | 'group' | 'nowMs'>,
  sequence: string,
  messageId: string,
  release?: string,
) => ({
  TableName: table.tableName,
  Key: { pk: fenceKeyOf(move.queue, move.group) },
  UpdateExpression: 'SET #parked = :seq, #parkedId = :id, #expires = :expires',
  ConditionExpression: release
    ? 'attribute_not_exists(#parked) OR #parkedId = :release'
    : 'attribute_not_exists(#parked)',
  ExpressionAttributeNames: {
    '#parked': NAMES['#parked'],
    '#parkedId': NAMES['#parkedId'],
    '#expires': NAMES['#expires'],
  },
  ExpressionAttributeValues: {
    ':seq': sequence,
    ':id': messageId,
    ':expires': Math.floor(move.nowMs / 1000) + KEEP_S,
    ...(release ? { ':release': release } : {}),
  },
});

/**
 * Lifts the park `release` made, if it still stands: a replayed head the consumer finds already
 * applied (a duplicate) commits nothing, so nothing else would lift it.
 */
export const unparkWrite = (
  table: FenceTable,
  move: Pick<FenceMove, 'queue' | 'group'>,
  release: string,
) => ({
  TableName: table.tableName,
  Key: { pk: fenceKeyOf(move.queue, move.group) },
  UpdateExpression: 'REMOVE #parked, #parkedId',
  ConditionExpression: '#parkedId = :release',
  ExpressionAttributeNames: { '#parked': NAMES['#parked'], '#parkedId': NAMES['#parkedId'] },
  ExpressionAttributeValues: { ':release': release },
});
