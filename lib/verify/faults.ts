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
    sendThrottled: 0,
    sendEntryFailed: 0,
  };
  const roll = (kind: FaultKind) => {
    if (rates[kind] <= 0 || random() >= rates[kind]) return false;
    injected[kind] += 1;
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
    /** For the proxy in front of SQS that the workload's producer sends through. */
    producer: {
      decide: (operation: string): ProxyFault | undefined =>
        operation === 'SendMessageBatch' && roll('sendThrottled') ? 'throttle' : undefined,
      failEntry: () => roll('sendEntryFailed'),
    },
    /** For `fn`'s SQS event source. */
    sqs: (fn: LocalFunction): SqsEventSourceFaults | undefined =>
      isTarget(fn)
        ? {
            crashAfterHandler: () => roll('consumerCrash'),
            duplicateDelivery: () => roll('concurrentDuplicate'),
            lateAck: () => roll('visibilityRedelivery'),
          }
        : undefined,
  };
};
