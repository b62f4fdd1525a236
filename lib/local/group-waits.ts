import type { SQSRecord } from 'aws-lambda';

const groupOf = (record: SQSRecord) => record.attributes?.MessageGroupId;

/**
 * How long FIFO message groups stand still after a batch returns their records for retry: from
 * the return to the next receive of the group. A returned record holds its group until SQS makes
 * it visible again (its visibility timeout, or what the function set with ChangeMessageVisibility).
 *
 * @example
 * const waits = groupWaits();
 * const ended = waits.received(records); // ms each group of this batch waited, if it was held
 * waits.returned(records, failedIds);
 */
export const groupWaits = () => {
  const returnedAt = new Map<string, number>();
  return {
    /** The waits this batch ends, in ms: one per group of the batch that a return had held back. */
    received: (records: readonly SQSRecord[], now = Date.now()): number[] => {
      const ended: number[] = [];
      for (const group of new Set(records.flatMap((record) => groupOf(record) ?? []))) {
        const since = returnedAt.get(group);
        if (since === undefined) continue;
        ended.push(now - since);
        returnedAt.delete(group);
      }
      return ended;
    },
    /** The batch returned these records: their groups wait from now. */
    returned: (records: readonly SQSRecord[], failed: ReadonlySet<string>, now = Date.now()): void => {
      for (const record of records) {
        const group = groupOf(record);
        if (group !== undefined && failed.has(record.messageId) && !returnedAt.has(group))
          returnedAt.set(group, now);
      }
    },
  };
};
