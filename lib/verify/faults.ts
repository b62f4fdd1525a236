import type { SQSRecord } from 'aws-lambda';
import type { LocalFunction, ProxyFault, SqsEventSourceFaults } from '../local/index.ts';
import type { FaultKind, FaultRates } from './options.ts';

// A consumer's writes: an idempotency claim (PutItem), a commit (TransactWriteItems), single writes.
const WRITES = new Set(['PutItem', 'UpdateItem', 'TransactWriteItems', 'DeleteItem']);

/**
 * Decides, with a seeded generator, which requests, invocations and records get a fault, and
 * counts each one it injects. The runtime asks it per function: the proxy in front of
 * DynamoDB per request, the SQS event source per batch and per record.
 */
export const createFaultInjector = (
  rates: FaultRates,
  random: () => number,
  isTarget: (fn: LocalFunction) => boolean,
) => {
  const injected: Record<FaultKind, number> = {
    producerResend: 0,
    poison: 0,
    consumerCrash: 0,
    lambdaTimeout: 0,
    ddbThrottle: 0,
    concurrentDuplicate: 0,
    visibilityRedelivery: 0,
  };
  const roll = (kind: FaultKind) => {
    if (rates[kind] <= 0 || random() >= rates[kind]) return false;
    injected[kind] += 1;
    return true;
  };
  // SQS never hands out a FIFO message while an earlier one of its group is in flight, so a
  // second delivery can only be of the first record of each group in a batch (one whose
  // visibility lapsed while the first consumer still ran): a duplicate of a later one would run
  // before its predecessors, which SQS cannot do.
  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/FIFO-queues-understanding-logic.html
  // The event source asks record by record, synchronously, per batch: the set is reset after it.
  let groupsInBatch: Set<string> | undefined;
  const firstOfGroup = (record: SQSRecord) => {
    const group = record.attributes?.MessageGroupId;
    if (group === undefined) return true;
    if (!groupsInBatch) {
      groupsInBatch = new Set();
      queueMicrotask(() => {
        groupsInBatch = undefined;
      });
    }
    if (groupsInBatch.has(group)) return false;
    groupsInBatch.add(group);
    return true;
  };
  return {
    injected,
    /** For the fault proxy in front of `fn`'s DynamoDB endpoint. */
    dynamodb:
      (fn: LocalFunction) =>
      (operation: string): ProxyFault | undefined => {
        if (isTarget(fn) && WRITES.has(operation) && roll('lambdaTimeout'))
          return random() < 0.5 ? 'hang' : 'hang-after';
        return roll('ddbThrottle') ? 'throttle' : undefined;
      },
    /** For `fn`'s SQS event source. */
    sqs: (fn: LocalFunction): SqsEventSourceFaults | undefined =>
      isTarget(fn)
        ? {
            crashAfterHandler: () => roll('consumerCrash'),
            duplicateDelivery: (record) => firstOfGroup(record) && roll('concurrentDuplicate'),
            lateAck: () => roll('visibilityRedelivery'),
          }
        : undefined,
  };
};
