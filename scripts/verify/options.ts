import { parseArgs } from 'node:util';
import { ConfigurationError } from '../../lib/errors.ts';

/** The faults `verify` injects, each at its own rate (a fraction from 0 to 1). */
export type FaultRates = {
  /** Of orders: sent again later under a new message id, as a producer retry after SQS's 5-minute deduplication window. */
  producerResend: number;
  /** Of orders: poison (a body that is not JSON, or an amount the schema rejects). */
  poison: number;
  /** Of CapturePayment invocations: the function dies after its handler returned, before Lambda got the response. */
  consumerCrash: number;
  /** Of CapturePayment's DynamoDB writes: the request never answers (half of them after the write landed), so the invocation times out mid-batch. */
  lambdaTimeout: number;
  /** Of every function's DynamoDB requests: answered with a throttling error. */
  ddbThrottle: number;
  /** Of CapturePayment's records: delivered to a second, concurrent invocation as well. */
  concurrentDuplicate: number;
  /** Of CapturePayment's records: acknowledged after the visibility timeout, so SQS delivers them again. */
  visibilityRedelivery: number;
};
export type FaultKind = keyof FaultRates;

export type VerifyOptions = {
  orders: number;
  groups: number;
  seed: number;
  rates: FaultRates;
  /** CapturePayment's exactly-once protection; off runs it at-least-once, to show the checker catching duplicates. */
  protection: boolean;
  /** CapturePayment's optimistic commit (one request per order) instead of a lease. */
  optimistic: boolean;
  /** CapturePayment keeps no record: the payment's update carries the idempotency condition. */
  effectConditional: boolean;
  /** CapturePayment commits a customer's orders of one batch together (sqsBatch `groupCommit`). */
  groupCommit: boolean;
  functionTimeoutSeconds: number;
  drainTimeoutSeconds: number;
  json?: string;
  html?: string;
  quiet: boolean;
};

/** The defaults, quoted by `npm start -- --help`. */
export const verifyDefaults = {
  orders: 10_000,
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
  },
  protection: true,
  optimistic: false,
  effectConditional: false,
  groupCommit: false,
  // Short, so a redelivery returns in 6 × 2 s instead of the cloud default's 3 minutes.
  functionTimeoutSeconds: 2,
  drainTimeoutSeconds: 600,
  quiet: false,
} as const satisfies VerifyOptions;

// Command-line flag of each fault rate.
const RATE_FLAGS: Record<string, FaultKind> = {
  resend: 'producerResend',
  poison: 'poison',
  crash: 'consumerCrash',
  timeout: 'lambdaTimeout',
  throttle: 'ddbThrottle',
  duplicate: 'concurrentDuplicate',
  redeliver: 'visibilityRedelivery',
};

export const usage = `npm start -- [options]      (the same as: node scripts/verify.ts [options])

Runs the example app on DynamoDB Local and the SQS emulator, sends orders under injected faults,
and checks from the effect tables and the DLQ that nothing was lost, duplicated or reordered.

  --orders N          orders to send (${verifyDefaults.orders})
  --groups G          message groups: customers (${verifyDefaults.groups})
  --seed S            seed of the workload and the fault decisions (${verifyDefaults.seed})
${Object.entries(RATE_FLAGS)
  .map(([flag, kind]) => `  --${flag.padEnd(17)} rate of ${kind} (${verifyDefaults.rates[kind]})`)
  .join('\n')}
  --no-faults         every rate 0 but those given by name
  --unprotected       CapturePayment at-least-once: no idempotency, the checker must see duplicates
  --optimistic        CapturePayment commits optimistically (no lease: one request per order)
  --effect-conditional  CapturePayment keeps no record: the payment's update carries the idempotency condition
  --group-commit      CapturePayment commits a customer's orders of one batch in shared transactions
  --function-timeout S  the consumers' timeout in seconds; visibility is 6 × it (${verifyDefaults.functionTimeoutSeconds})
  --drain-timeout S   give up waiting for the pipeline to drain after S seconds (${verifyDefaults.drainTimeoutSeconds})
  --json FILE         write the report as JSON
  --html FILE         write the report as a page with charts
  --quiet             no progress bar
Exits 0 when every invariant holds, 1 when one breaks, 2 on a usage error.`;

const fail = (option: string, expected: string, received: unknown): never => {
  throw new ConfigurationError(
    `verify: --${option} must be ${expected}, received ${JSON.stringify(received)}.`,
  );
};

const integer = (option: string, value: string | undefined, fallback: number, min: number, max: number) => {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) fail(option, `an integer from ${min} to ${max}`, value);
  return n;
};

/** Reads the command line; throws `ConfigurationError` naming the flag on a bad value. Returns undefined for --help. */
export const parseVerifyArgs = (args: string[]): VerifyOptions | undefined => {
  const { values } = parseArgs({
    args,
    options: {
      orders: { type: 'string' },
      groups: { type: 'string' },
      seed: { type: 'string' },
      ...Object.fromEntries(Object.keys(RATE_FLAGS).map((flag) => [flag, { type: 'string' as const }])),
      'no-faults': { type: 'boolean', default: false },
      unprotected: { type: 'boolean', default: false },
      optimistic: { type: 'boolean', default: false },
      'effect-conditional': { type: 'boolean', default: false },
      'group-commit': { type: 'boolean', default: false },
      'function-timeout': { type: 'string' },
      'drain-timeout': { type: 'string' },
      json: { type: 'string' },
      html: { type: 'string' },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) return undefined;
  const rates = { ...verifyDefaults.rates } as FaultRates;
  for (const [flag, kind] of Object.entries(RATE_FLAGS)) {
    // --no-faults turns every rate off; a rate given by name still applies.
    const named = (values as Record<string, unknown>)[flag] as string | undefined;
    const value = named ?? (values['no-faults'] ? '0' : undefined);
    if (value === undefined) continue;
    const rate = Number(value);
    if (!(rate >= 0 && rate <= 1)) fail(flag, 'a rate from 0 to 1', value);
    rates[kind] = rate;
  }
  const orders = integer('orders', values.orders, verifyDefaults.orders, 1, 1_000_000);
  return {
    orders,
    groups: integer('groups', values.groups, verifyDefaults.groups, 1, orders),
    seed: integer('seed', values.seed, verifyDefaults.seed, 0, 2 ** 32 - 1),
    rates,
    protection: !values.unprotected,
    optimistic: values.optimistic === true,
    effectConditional: values['effect-conditional'] === true,
    groupCommit: values['group-commit'] === true,
    functionTimeoutSeconds: integer(
      'function-timeout',
      values['function-timeout'],
      verifyDefaults.functionTimeoutSeconds,
      1,
      900,
    ),
    drainTimeoutSeconds: integer(
      'drain-timeout',
      values['drain-timeout'],
      verifyDefaults.drainTimeoutSeconds,
      1,
      86_400,
    ),
    ...(values.json ? { json: values.json } : {}),
    ...(values.html ? { html: values.html } : {}),
    quiet: values.quiet === true,
  };
};
