import type { SQSRecord } from 'aws-lambda';
import type { TransactWrite } from '../idempotency/transaction.ts';

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

// A message of the group older than this cannot exist any more: 14 days is SQS's longest retention.
// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html
const KEEP_S = 15 * 24 * 3600;

/**
 * The fence's move as a write to commit with a group's records: the item of (queue, group) holds
 * the SequenceNumber of the last committed record, and only a higher first number passes — so a
 * late commit of k after k + 1 is cancelled with everything in its transaction.
 */
export const fenceWrite = (
  table: FenceTable,
  queue: string,
  group: string,
  first: string,
  last: string,
  nowMs: number,
): TransactWrite => ({
  Update: {
    TableName: table.tableName,
    Key: { pk: `fence#${queue}#${group}` },
    UpdateExpression: 'SET #seq = :last, #expires = :expires',
    ConditionExpression: 'attribute_not_exists(#seq) OR #seq < :first',
    ExpressionAttributeNames: { '#seq': 'fenceSequence', '#expires': 'expiresAt' },
    ExpressionAttributeValues: {
      ':first': first,
      ':last': last,
      ':expires': Math.floor(nowMs / 1000) + KEEP_S,
    },
  },
});
