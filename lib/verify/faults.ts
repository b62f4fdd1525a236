import type { LocalFunction, ProxyFault, SqsEventSourceFaults } from '../local/index.ts';
import { type FaultKind, type FaultRates, verifyDefaults } from './options.ts';

// A consumer's writes: an idempotency claim (PutItem), a commit (TransactWriteItems), single writes.
const WRITES = new Set(['PutItem', 'UpdateItem', 'TransactWriteItems', 'DeleteItem']);

// Where a kind whose rate is too small for the run is injected anyway: at its 2nd, 4th, 6th…
// opportunity, until it has fired `minimum` times (a short run has few: 60 messages make ~6 sends).
const FORCE_EVERY = 2;

/**
 * Decides, with a seeded generator, which requests, invocations and records get a fault, and
 * counts each one it injects. The runtime asks it per function: the proxy in front of
 * DynamoDB per request, the SQS event source per batch and per record. A kind with a rate
 * above 0 that has not fired `minimum` times by its 2nd, 4th… opportunity fires there, so a
 * short run exercises every fault it enables, not only the frequent ones.
 */
export const createFaultInjector = (
  rates: FaultRates,
  random: () => number,
  isTarget: (fn: LocalFunction) => boolean,
  minimum: number = verifyDefaults.faultMinimum,
) => {
  const injected: Record<FaultKind, number> = {
    producerResend: 0,
    poison: 0,
    consumerCrash: 0,
    lambdaTimeout: 0,
    ddbThrottle: 0,
    concurrentDuplicate: 0,
    visibilityRedelivery: 0,
    lateInvocation: 0,
    sendThrottled: 0,
    sendEntryFailed: 0,
  };
  const opportunities = Object.fromEntries(Object.keys(injected).map((k) => [k, 0])) as Record<
    FaultKind,
    number
  >;
  const roll = (kind: FaultKind) => {
    if (rates[kind] <= 0) return false;
    opportunities[kind] += 1;
    // Drawn first either way, so forcing a fault does not shift the seeded sequence.
    const drawn = random() < rates[kind];
    const forced = injected[kind] < minimum && opportunities[kind] >= FORCE_EVERY * (injected[kind] + 1);
    if (!drawn && !forced) return false;
    injected[kind] += 1;
    return true;
  };
  // The records late invocations held when they started: on their last receive, SQS moved them to the DLQ.
  const startedLate = new Set<string>();
  // Bodies a late invocation leaves alone: a poison message (dead-lettered by SQS and by the consumer
  // too) or one the workload resends (its resend would be applied after its successors: the redrive's
  // reordering, which the report counts apart). The fault injects the late commit, nothing else.
  let spared: ReadonlySet<string> = new Set();
  return {
    injected,
    startedLate,
    /** The bodies of messages a late invocation must not hold (the plan's poison and resends). */
    spare: (bodies: ReadonlySet<string>) => {
      spared = bodies;
    },
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
            lateStart: (event) =>
              !event.Records.some((record) => spared.has(record.body)) && roll('lateInvocation'),
            startedLate: (records) => {
              for (const record of records) startedLate.add(record.messageId);
            },
          }
        : undefined,
  };
};
