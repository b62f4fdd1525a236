import {
  ChangeMessageVisibilityBatchCommand,
  GetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';

/**
 * What the event source does with a batch the late-invocation fault holds: run it now, return it
 * as a throttled invoke would (it never ran, yet SQS counted the receive), or start it late.
 */
export type LateStep = 'run' | 'throttle' | 'late';

// How long a late invocation waits for the rest of its groups to be overtaken: enough for another
// invocation to receive and commit them, bounded so a group with nothing after it does not stall the run.
const OVERTAKE_WAIT_MS = 10_000;
const STANDARD_WAIT_MS = 1_500;
const POLL_MS = 50;

const groupOf = (record: SQSRecord) => record.attributes?.MessageGroupId ?? '';
const receivesOf = (record: SQSRecord) => Number(record.attributes?.ApproximateReceiveCount ?? 1);
const sequenceOf = (record: SQSRecord) => (record.attributes?.SequenceNumber ?? '').padStart(40, '0');

/**
 * The late invocation of Lambda's SQS event source, compressed in time. Lambda retries a
 * throttled invoke until the batch's visibility timeout runs out, and a function's init time is
 * not part of its timeout, so an invocation can start after SQS has made its records visible
 * again (Lambda operator guide, SQS retries and throttling;
 * https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html). On a FIFO
 * queue with a redrive policy that is the dangerous case when the records are on their last
 * receive: SQS's next receive moves them to the DLQ and hands the group's next records to
 * another invocation, which commits them, and only then does the late one run.
 *
 * A chosen batch is first returned as throttled invokes return it — visible again (at once,
 * where Lambda would wait out the visibility timeout), each receive counted — until its head is
 * on its last receive; that receive starts late: its records made visible, the invocation waits
 * until another one deleted a later record of each of its groups (or a bound), then runs with
 * the records and receipt handles it was given.
 */
export const lateInvocations = (client: SQSClient, queueUrl: string) => {
  let maxReceives: Promise<number> | undefined;
  const marked = new Set<string>();
  // The highest SequenceNumber deleted per group, by any invocation of this event source.
  const deletedUpTo = new Map<string, string>();
  const maxReceiveCount = () => {
    maxReceives ??= client
      .send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['RedrivePolicy'] }))
      .then(({ Attributes }) => {
        const policy = JSON.parse(Attributes?.RedrivePolicy ?? '{}') as { maxReceiveCount?: unknown };
        return Number(policy.maxReceiveCount ?? Number.POSITIVE_INFINITY);
      })
      .catch(() => Number.POSITIVE_INFINITY);
    return maxReceives;
  };
  const returnNow = async (records: readonly SQSRecord[]) => {
    for (let i = 0; i < records.length; i += 10) {
      const entries = records.slice(i, i + 10).map((record, n) => ({
        Id: String(n),
        ReceiptHandle: record.receiptHandle,
        VisibilityTimeout: 0,
      }));
      await client.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
    }
  };
  /**
   * The step for a batch, and the records it holds; `chosen` is asked only for a batch the fault
   * holds nothing of yet. A held FIFO group holds its later records too; on a standard queue a
   * record SQS happened to hand out with held ones is not the late invocation's, and runs now.
   */
  const step = async (
    records: readonly SQSRecord[],
    chosen: () => boolean,
  ): Promise<{ step: LateStep; held: readonly SQSRecord[] }> => {
    const groups = new Set(records.filter((r) => marked.has(r.messageId)).map(groupOf));
    groups.delete('');
    let held: readonly SQSRecord[] = records.filter((r) => marked.has(r.messageId) || groups.has(groupOf(r)));
    if (held.length === 0) {
      if (!chosen()) return { step: 'run', held };
      held = records;
    }
    // Late on the last receive of any of them: one more and SQS moves that record to the DLQ.
    if (Math.max(...held.map(receivesOf)) < (await maxReceiveCount())) {
      for (const record of held) marked.add(record.messageId);
      return { step: 'throttle', held };
    }
    for (const record of records) marked.delete(record.messageId);
    return { step: 'late', held };
  };
  /** Makes the batch visible again, then waits until each of its groups moved past it (bounded). */
  const startLate = async (records: readonly SQSRecord[]) => {
    await returnNow(records);
    const last = new Map<string, string>();
    for (const record of records) if (groupOf(record)) last.set(groupOf(record), sequenceOf(record));
    const overtaken = () =>
      last.size > 0 && [...last].every(([group, sequence]) => (deletedUpTo.get(group) ?? '') > sequence);
    // A standard queue has no groups to watch: long enough for another receive to take the records.
    const deadline = Date.now() + (last.size > 0 ? OVERTAKE_WAIT_MS : STANDARD_WAIT_MS);
    while (!overtaken() && Date.now() < deadline) await new Promise((r) => setTimeout(r, POLL_MS));
  };
  return {
    step,
    /** A throttled invoke: the batch never ran, and its records are visible again. */
    throttle: returnNow,
    startLate,
    /**
     * Everything the fault does before a batch runs; resolves to the records to run now: all of
     * them (at once, or late), those it does not hold (it returned the held ones as a throttled
     * invoke returns them), or none.
     */
    before: async (
      records: readonly SQSRecord[],
      chosen: () => boolean,
      startedLate?: (records: readonly SQSRecord[]) => void,
    ): Promise<readonly SQSRecord[]> => {
      const { step: next, held } = await step(records, chosen);
      if (next === 'throttle') {
        await returnNow(held);
        return records.filter((record) => !held.includes(record));
      }
      if (next === 'late') {
        // All of them: one not on its last receive can still end in the DLQ because of the late
        // invocation (its lease, claimed late, fails the redelivery that held it meanwhile).
        startedLate?.(records);
        await startLate(records);
      }
      return records;
    },
    /** Records another invocation deleted: a late one waits for its groups to move past it. */
    deleted: (records: readonly SQSRecord[]) => {
      for (const record of records) {
        const group = groupOf(record);
        if (!group) continue;
        const sequence = sequenceOf(record);
        if (sequence > (deletedUpTo.get(group) ?? '')) deletedUpTo.set(group, sequence);
      }
    },
  };
};
