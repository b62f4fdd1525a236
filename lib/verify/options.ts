/** The faults `verify` injects, each at its own rate (a fraction from 0 to 1). */
export type FaultRates = {
  /** Of messages: sent again later under a new message id, as a producer retry after SQS's 5-minute deduplication window. */
  producerResend: number;
  /** Of messages: poison (a body that is not JSON, or the scenario's invalid one). */
  poison: number;
  /** Of the driven queue's consumers' invocations: the function dies after its handler returned, before Lambda got the response. */
  consumerCrash: number;
  /** Of those consumers' DynamoDB writes: the request never answers (half of them after the write landed), so the invocation times out mid-batch. */
  lambdaTimeout: number;
  /** Of every function's DynamoDB requests: answered with a throttling error. */
  ddbThrottle: number;
  /** Of the consumers' records: delivered to a second, concurrent invocation as well. */
  concurrentDuplicate: number;
  /** Of the consumers' records: acknowledged after the visibility timeout, so SQS delivers them again. */
  visibilityRedelivery: number;
  /**
   * Of the driven queue's consumers' invocations: the invocation starts late — throttled invokes
   * use up its records' receives, and on the last one it starts only after SQS has moved them to
   * the DLQ (FIFO) and another invocation committed what came after them. Its commit must be
   * fenced off (FIFO), never applied after its successors; its records stay in the DLQ.
   */
  lateInvocation: number;
  /** Of the workload's SendMessageBatch calls: answered RequestThrottled by SQS (the SDK retries them). */
  sendThrottled: number;
  /** Of the workload's SendMessageBatch entries: failed by SQS with InternalError while the rest of the call is sent (the producer retries them). */
  sendEntryFailed: number;
};
export type FaultKind = keyof FaultRates;

export type VerifyOptions = {
  messages: number;
  groups: number;
  seed: number;
  rates: FaultRates;
  /** Every function's timeout for the run; queues' visibility timeouts scale with it. */
  functionTimeoutSeconds: number;
  drainTimeoutSeconds: number;
  /** How many times shorter the alarms' periods run (60: a one-minute period lasts a second). */
  alarmPeriodScale: number;
  /** How many times each fault kind with a rate above 0 must fire; fewer fails the run. @default 3 */
  faultMinimum?: number;
  /** A fault kind that fired fewer than `faultMinimum` times is listed, but does not fail the run. @default false */
  allowUnexercised?: boolean;
  /**
   * A downstream outage: for this many seconds, from the moment the first message is sent, every
   * request of the driven queue's consumers to the app's own tables (all but the idempotency
   * table) is answered HTTP 500. Longer than the queue's receives last, it dead-letters good
   * messages. @default 0 (none)
   */
  outageSeconds?: number;
  /**
   * After the app drained, replay the driven queue's dead-letter queue (all but the poison) with
   * `replayDeadLetters`, as an operator would after an outage, and wait for it to drain again. @default false
   */
  replay?: boolean;
  /**
   * Where DynamoDB Local keeps the app's tables: in memory (faster), or on disk, so that memory
   * stays bounded however many messages the run sends. @default 'disk' from `TABLES_ON_DISK_FROM` messages
   */
  tables?: 'memory' | 'disk';
};

/** From this many messages, a run keeps DynamoDB Local's tables on disk unless told otherwise. */
export const TABLES_ON_DISK_FROM = 20_000;

/** Where a run keeps its tables: as asked, else on disk from `TABLES_ON_DISK_FROM` messages. */
export const tablesOf = (options: Pick<VerifyOptions, 'messages' | 'tables'>): 'memory' | 'disk' =>
  options.tables ?? (options.messages >= TABLES_ON_DISK_FROM ? 'disk' : 'memory');

/** The defaults, quoted by `reliable-events verify --help`. */
export const verifyDefaults = {
  messages: 10_000,
  groups: 50,
  seed: 1,
  rates: {
    producerResend: 0.01,
    poison: 0.005,
    consumerCrash: 0.005,
    lambdaTimeout: 0.0005,
    ddbThrottle: 0.02,
    concurrentDuplicate: 0.005,
    visibilityRedelivery: 0.005,
    lateInvocation: 0.0005,
    sendThrottled: 0.02,
    sendEntryFailed: 0.01,
  },
  // Short, so a redelivery returns in seconds (a visibility of 6 × 30 s becomes 6 × 5 s), not
  // minutes; long enough that a batch of ten records of one group finishes on a busy 2-core machine.
  functionTimeoutSeconds: 5,
  drainTimeoutSeconds: 600,
  alarmPeriodScale: 60,
  faultMinimum: 3,
  allowUnexercised: false,
} as const satisfies VerifyOptions;

/** Command-line flag of each fault rate. */
export const RATE_FLAGS: Record<string, FaultKind> = {
  resend: 'producerResend',
  poison: 'poison',
  crash: 'consumerCrash',
  timeout: 'lambdaTimeout',
  throttle: 'ddbThrottle',
  duplicate: 'concurrentDuplicate',
  redeliver: 'visibilityRedelivery',
  late: 'lateInvocation',
  'send-throttle': 'sendThrottled',
  'send-fail': 'sendEntryFailed',
};
