import { invalidOption } from '../options.ts';
import type { IdempotencyOptions } from './types.ts';

/** The defaults of every optional idempotency option, quoted by the option docs in types.ts. */
export const idempotencyDefaults = {
  mode: 'exactly-once',
  optimistic: false,
  expiresAfterMs: 60 * 60 * 1000,
  storeResult: true,
  onMissingKey: 'throw',
  leaseMarginMs: 2_000,
  leaseWithoutContextMs: 60_000,
  localCacheSize: 0,
  record: 'per-key',
} as const;

// A window's keys take 10 bytes each: at most this many stay well within a 400 KB item.
export const MAX_WINDOW_KEYS = 30_000;

const MODES = ['exactly-once', 'at-least-once', 'at-most-once', 'effect-conditional'];

const fail = (option: string, expected: string, received: unknown) =>
  invalidOption('idempotency', option, expected, received);

const positive = (option: string, value: number) => {
  if (!Number.isFinite(value) || value <= 0) fail(option, 'a positive number of milliseconds', value);
};

/** Fills in defaults and rejects a misconfiguration at construction, naming the option. */
export const resolveOptions = <Input>(options: IdempotencyOptions<Input>) => {
  const opts = {
    ...idempotencyDefaults,
    scope: scopeOf({}),
    now: Date.now,
    ...Object.fromEntries(Object.entries(options ?? {}).filter(([, value]) => value !== undefined)),
  } as Required<Omit<IdempotencyOptions<Input>, 'fingerprint' | 'windowKeys'>> &
    Pick<IdempotencyOptions<Input>, 'fingerprint' | 'windowKeys'>;

  const store = opts.store as Partial<typeof opts.store> | undefined;
  if (!['per-key', 'group-window'].includes(opts.record))
    fail('record', "'per-key' | 'group-window'", opts.record);
  const window = opts.record === 'group-window';
  if (window && opts.mode !== 'exactly-once')
    fail('record', `'per-key' with mode '${opts.mode}' ('group-window' is exactly-once)`, opts.record);
  if (window && opts.fingerprint !== undefined)
    fail(
      'fingerprint',
      "no fingerprint with record 'group-window' (it keeps no record to hold one)",
      'a function',
    );
  if (
    opts.windowKeys !== undefined &&
    (!window ||
      !Number.isInteger(opts.windowKeys) ||
      opts.windowKeys < 1 ||
      opts.windowKeys > MAX_WINDOW_KEYS)
  )
    fail(
      'windowKeys',
      `an integer from 1 to ${MAX_WINDOW_KEYS}, with record 'group-window'`,
      opts.windowKeys,
    );
  if (window) {
    // No record: the store is not used (its table may hold the fence).
  } else if (opts.mode === 'effect-conditional') {
    // No record: nothing holds a fingerprint to compare with.
    if (opts.fingerprint !== undefined)
      fail('fingerprint', "no fingerprint with mode 'effect-conditional' (it keeps no record)", 'a function');
  } else if (
    typeof store?.claim !== 'function' ||
    typeof store.complete !== 'function' ||
    typeof store.release !== 'function'
  ) {
    fail('store', 'an IdempotencyStore such as dynamoDBStore({ tableName }) or memoryStore()', typeof store);
  }
  if (typeof opts.key !== 'function') fail('key', 'a function (input) => string', typeof opts.key);
  if (!MODES.includes(opts.mode)) fail('mode', MODES.map((m) => `'${m}'`).join(' | '), opts.mode);
  if (opts.optimistic && opts.mode !== 'exactly-once')
    fail('optimistic', "used only with mode 'exactly-once'", opts.mode);
  if (opts.fingerprint !== undefined && typeof opts.fingerprint !== 'function') {
    fail('fingerprint', 'a function (input) => unknown', typeof opts.fingerprint);
  }
  if (!['throw', 'run'].includes(opts.onMissingKey))
    fail('onMissingKey', "'throw' | 'run'", opts.onMissingKey);
  positive('expiresAfterMs', opts.expiresAfterMs);
  positive('leaseWithoutContextMs', opts.leaseWithoutContextMs);
  if (!Number.isFinite(opts.leaseMarginMs) || opts.leaseMarginMs < 0)
    fail('leaseMarginMs', 'zero or more milliseconds', opts.leaseMarginMs);
  if (!Number.isInteger(opts.localCacheSize) || opts.localCacheSize < 0)
    fail('localCacheSize', 'an integer ≥ 0', opts.localCacheSize);
  return opts;
};

/** The scope keys are prefixed with: the option, or the Lambda function's name. */
export const scopeOf = (options: { scope?: string }): string =>
  options.scope ?? process.env.AWS_LAMBDA_FUNCTION_NAME ?? '';
