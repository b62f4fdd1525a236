import type { SQSRecord } from 'aws-lambda';
import type { LocalFunction, ProxyFault, SendBatchEntry, SqsEventSourceFaults } from '../local/index.ts';
import { type FaultKind, type FaultRates, verifyDefaults } from './options.ts';
import { digest53 } from './random.ts';

// A consumer's writes: an idempotency claim (PutItem), a commit (TransactWriteItems), single writes.
// How many keys of asks the fault injector keeps per generation (it keeps two): some 10 MB at most.
const ASKED_GENERATION = 100_000;

const WRITES = new Set(['PutItem', 'UpdateItem', 'TransactWriteItems', 'DeleteItem']);

// Where a kind whose rate is too small for the run is injected anyway: at its 2nd, 4th, 6th…
// opportunity, until it has fired `minimum` times (a short run has few: 60 messages make ~6 sends).
const FORCE_EVERY = 2;
// A late invocation holds its batch for several receives, and batches holding poison or a resend
// are spared: it has the fewest opportunities, so it is forced at each one until it has its minimum.
const forceEvery = (kind: FaultKind) => (kind === 'lateInvocation' ? 1 : FORCE_EVERY);

/** What makes a record the same one in every run of a seed: its body, deduplication id and receive. */
const recordKey = (record: Pick<SQSRecord, 'body' | 'attributes'>) =>
  `${record.body}|${record.attributes?.MessageDeduplicationId ?? ''}|${record.attributes?.ApproximateReceiveCount ?? ''}`;

/**
 * Decides, with a seeded draw per opportunity, which requests, invocations and records get a
 * fault, and counts each one it injects. The runtime asks it per function: the proxy in front of
 * DynamoDB per request, the SQS event source per batch and per record. Each decision is keyed by
 * what it is about — a record by its body, deduplication id and receive count, a batch by its
 * records, a request by its function, operation and number — never by when it was asked, so a
 * seed puts the same faults on the same records however the run interleaves. A kind with a rate
 * above 0 that has not fired `minimum` times by its 2nd, 4th… opportunity fires there, so a
 * short run exercises every fault it enables, not only the frequent ones.
 */
export const createFaultInjector = (
  rates: FaultRates,
  draw: (key: string) => number,
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
  // How often each key was asked: the second delivery of one record, the second draw of one kind.
  // Counted by the key's digest, in two generations of at most ASKED_GENERATION keys each, so a long
  // run keeps a bounded number: a key asked in the last two generations carries its count forward,
  // one not asked for a whole generation is forgotten. A record's keys (its receive count in them)
  // recur within one receive, seconds apart; a function's requests are counted apart (nthRequest).
  let asked = new Map<number, number>();
  let before = new Map<number, number>();
  const nth = (key: string) => {
    const digest = digest53(key);
    const n = (asked.get(digest) ?? before.get(digest) ?? 0) + 1;
    if (asked.size >= ASKED_GENERATION && !asked.has(digest)) {
      before = asked;
      asked = new Map();
    }
    asked.set(digest, n);
    return `${key}|${n}`;
  };
  // A function's requests by operation (and the producer's sends), counted apart and never
  // forgotten: a few keys (functions × operations), and a rarely asked one must not start again at
  // 1 after two generations of records went by (how many did depends on timing, not the seed).
  const requests = new Map<string, number>();
  const nthRequest = (key: string) => {
    const n = (requests.get(key) ?? 0) + 1;
    requests.set(key, n);
    return `${key}|${n}`;
  };
  // What went into each function, so a report shows that every consumer got its faults.
  const byFunction = new Map<string, Partial<Record<FaultKind, number>>>();
  const injectedInto = (logicalId: string) => {
    if (!byFunction.has(logicalId)) byFunction.set(logicalId, {});
    return byFunction.get(logicalId)!;
  };
  const roll = (kind: FaultKind, key: string, fn?: LocalFunction) => {
    if (rates[kind] <= 0) return false;
    opportunities[kind] += 1;
    const drawn = draw(nth(`${kind}|${key}`)) < rates[kind];
    const forced = injected[kind] < minimum && opportunities[kind] >= forceEvery(kind) * (injected[kind] + 1);
    if (!drawn && !forced) return false;
    injected[kind] += 1;
    if (fn) {
      const into = injectedInto(fn.logicalId);
      into[kind] = (into[kind] ?? 0) + 1;
    }
    return true;
  };
  // The records late invocations held when they started: on their last receive, SQS moved them to the DLQ.
  const startedLate = new Set<string>();
  // Bodies a late invocation leaves alone: a poison message (dead-lettered by SQS and by the consumer
  // too) or one the workload resends (its resend would be applied after its successors: the redrive's
  // reordering, which the report counts apart). The fault injects the late commit, nothing else.
  let spared: Pick<ReadonlySet<string>, 'has'> = new Set();
  // The downstream outage: from `from` until `until`, the consumers' requests to the app's own
  // tables fail; the idempotency store (its records, fences and parks) stays up.
  const outage = { from: Number.POSITIVE_INFINITY, until: 0, requests: 0, tables: [] as string[] };
  return {
    injected,
    /** The faults injected into one function so far, by kind (a live view: it fills as the run goes). */
    injectedInto,
    outage,
    /** Starts the outage now, for `seconds` (nothing when 0), on requests that name one of `tables`. */
    startOutage: (seconds: number, tables: readonly string[]) => {
      if (seconds <= 0) return;
      outage.tables = tables.map((name) => JSON.stringify(name));
      outage.from = Date.now();
      outage.until = outage.from + seconds * 1000;
    },
    startedLate,
    /** The bodies of messages a late invocation must not hold (the plan's poison and resends). */
    spare: (bodies: Pick<ReadonlySet<string>, 'has'>) => {
      spared = bodies;
    },
    /** For the fault proxy in front of `fn`'s DynamoDB endpoint. */
    dynamodb:
      (fn: LocalFunction) =>
      (operation: string, body = ''): ProxyFault | undefined => {
        const request = nthRequest(`${fn.logicalId}|${operation}`);
        const now = Date.now();
        const down = now >= outage.from && now < outage.until;
        if (down && isTarget(fn) && outage.tables.some((name) => body.includes(name))) {
          outage.requests += 1;
          return 'unavailable';
        }
        if (isTarget(fn) && WRITES.has(operation) && roll('lambdaTimeout', request, fn))
          return draw(`hang|${request}`) < 0.5 ? 'hang' : 'hang-after';
        return roll('ddbThrottle', request, fn) ? 'throttle' : undefined;
      },
    /** For the proxy in front of SQS that the workload's producer sends through. */
    producer: {
      decide: (operation: string): ProxyFault | undefined =>
        operation === 'SendMessageBatch' && roll('sendThrottled', nthRequest(operation))
          ? 'throttle'
          : undefined,
      failEntry: (entry: SendBatchEntry) =>
        roll('sendEntryFailed', `${entry.MessageGroupId ?? ''}|${entry.MessageBody ?? entry.Id}`),
    },
    /** For `fn`'s SQS event source. */
    sqs: (fn: LocalFunction): SqsEventSourceFaults | undefined =>
      isTarget(fn)
        ? {
            crashAfterHandler: (event) =>
              roll('consumerCrash', `${fn.logicalId}|${event.Records.map(recordKey).join('+')}`, fn),
            duplicateDelivery: (record) =>
              roll('concurrentDuplicate', `${fn.logicalId}|${recordKey(record)}`, fn),
            lateAck: (record) => roll('visibilityRedelivery', `${fn.logicalId}|${recordKey(record)}`, fn),
            lateStart: (event) =>
              !event.Records.some((record) => spared.has(record.body)) &&
              roll('lateInvocation', `${fn.logicalId}|${event.Records.map(recordKey).join('+')}`, fn),
            startedLate: (records) => {
              for (const record of records) startedLate.add(record.messageId);
            },
          }
        : undefined,
  };
};
