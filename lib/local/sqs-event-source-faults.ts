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
