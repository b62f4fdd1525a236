import type { SQSEvent, SQSRecord } from 'aws-lambda';

/**
 * Faults the event source injects, each asked per batch or per record; return true to inject.
 * They mimic what SQS and Lambda do to a consumer, so a run can prove the handler survives them.
 */
export type SqsEventSourceFaults = {
  /** The invocation dies after the handler returned: its response is lost and the whole batch comes back. */
  crashAfterHandler?: (event: SQSEvent) => boolean;
  /**
   * SQS hands the record to a second consumer at the same time: a concurrent invocation with that
   * record alone — on a FIFO queue, with its group's records before it in the batch, in order.
   */
  duplicateDelivery?: (record: SQSRecord) => boolean;
  /** The record's acknowledgment comes after its visibility timeout: it is not deleted, and SQS delivers it again. */
  lateAck?: (record: SQSRecord) => boolean;
  /**
   * The invocation starts late, after its records' visibility ran out (see `lateInvocations`):
   * throttled invokes burn the batch's receives until its last, which starts only once the
   * records were made visible and another invocation moved each of their groups past them.
   */
  lateStart?: (event: SQSEvent) => boolean;
  /** The records a late invocation holds when it starts: those on their last receive SQS moves to the DLQ. */
  startedLate?: (records: readonly SQSRecord[]) => void;
};

// A second delivery comes with a receipt handle of its own: what it deletes or changes with it is
// not the first delivery's to lose (SQS refuses a handle that is not the message's current one).
export const asSecondDelivery = (record: SQSRecord): SQSRecord => ({
  ...record,
  receiptHandle: `${record.receiptHandle}#second-delivery`,
});

/**
 * The records a second, concurrent delivery holds. On a standard queue any message can arrive
 * twice on its own. A FIFO queue hands a group to one receiver at a time and always from its first
 * message not yet deleted (SQS developer guide, FIFO delivery logic), so a second delivery of a
 * record also holds the records of its group before it in the batch, in order.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/FIFO-queues-understanding-logic.html
 */
export const duplicatesOf = (records: SQSRecord[], chosen: ((record: SQSRecord) => boolean) | undefined) => {
  const picked = records.filter((record) => chosen?.(record));
  if (picked.length === 0 || !records[0]?.eventSourceARN.endsWith('.fifo')) return picked;
  const groupOf = (record: SQSRecord) => record.attributes?.MessageGroupId ?? '';
  const lastPicked = new Map(picked.map((record) => [groupOf(record), records.indexOf(record)]));
  return records.filter((record, i) => i <= (lastPicked.get(groupOf(record)) ?? -1));
};
