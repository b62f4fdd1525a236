import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { LRUCache } from 'lru-cache';
import { documentClient } from '../document-client.ts';
import { ConfigurationError } from '../errors.ts';
import {
  IdempotencyInProgressError,
  IdempotencyKeyError,
  IdempotencyPayloadMismatchError,
} from './errors.ts';
import { fingerprintOf } from './fingerprint.ts';
import { atLeastOnce } from './mode-at-least-once.ts';
import { atMostOnce } from './mode-at-most-once.ts';
import { effectConditional } from './mode-effect-conditional.ts';
import { exactlyOnce, exactlyOnceOptimistic } from './mode-exactly-once.ts';
import { groupWindowSession } from './mode-group-window.ts';
import { exactlyOnceStaged } from './mode-grouped.ts';
import { resolveOptions } from './options.ts';
import type { BeginOutcome, IdempotencyEngine, KeyedCall, RunState } from './session.ts';
import type { IdempotencyOptions, IdempotencyRecord } from './types.ts';

// Partition keys are at most 2048 bytes.
const MAX_KEY_BYTES = 2048;

/** A value for an error message; JSON.stringify throws on a BigInt, which must not turn a bad key into a retryable TypeError. */
const shown = (value: unknown): string => {
  if (typeof value === 'bigint') return `${value}n`;
  try {
    return String(JSON.stringify(value) ?? value);
  } catch {
    return String(value);
  }
};

const replayOf = <Result>(record: IdempotencyRecord): Result =>
  (record.result === undefined ? undefined : JSON.parse(record.result)) as Result;

/**
 * The idempotency engine behind `makeIdempotent`, the `idempotency` middleware and
 * per-record idempotency in `sqsBatch`. `begin` derives the key, scopes and checks it, asks the
 * local cache, and hands the call to its mode (`mode-*.ts`); docs/semantics.md says what each promises.
 *
 * @example
 * const engine = createIdempotencyEngine({ store, key: (order) => order.id });
 * const outcome = await engine.begin(order, lambdaContext);
 * if (!outcome.run) return outcome.result;
 */
export const createIdempotencyEngine = <Input, Result>(
  options: IdempotencyOptions<Input>,
  /** `staged`: sessions stage their writes for group commit (sqsBatch's `groupCommit`). */
  internal: { staged?: boolean } = {},
): IdempotencyEngine<Input, Result> => {
  const opts = resolveOptions(options);
  if (opts.record === 'group-window' && !internal.staged)
    throw new ConfigurationError(
      "idempotency: record 'group-window' keeps keys in a FIFO message group's window; it works only in sqsBatch (group commit), not in makeIdempotent or the middleware.",
    );
  const { store, now } = opts;
  const effectDocuments =
    opts.mode !== 'effect-conditional'
      ? undefined
      : opts.client
        ? documentClient(opts.client)
        : (opts.store?.transactional?.documents ?? documentClient());
  const cache =
    opts.localCacheSize > 0
      ? new LRUCache<string, IdempotencyRecord>({ max: opts.localCacheSize })
      : undefined;
  const mode =
    opts.mode === 'at-most-once'
      ? atMostOnce
      : internal.staged
        ? exactlyOnceStaged
        : opts.optimistic
          ? exactlyOnceOptimistic
          : exactlyOnce;

  const scoped = (rawKey: string | number) => (opts.scope ? `${opts.scope}#${rawKey}` : String(rawKey));
  // Only a record per key in a table can be looked up by a replay; the other modes keep none.
  const recordTable =
    opts.record === 'per-key' && (opts.mode === 'exactly-once' || opts.mode === 'at-most-once')
      ? store?.transactional?.tableName
      : undefined;

  const leaseMs = (lambdaContext?: Context): number => {
    const remaining = lambdaContext?.getRemainingTimeInMillis?.();
    if (remaining === undefined) return opts.leaseWithoutContextMs;
    // Lambda runs at most 15 minutes, so no lease needs to be longer than that plus the margin.
    return Math.min(Math.max(remaining, 0) + opts.leaseMarginMs, 15 * 60_000 + opts.leaseMarginMs);
  };

  const existingOutcome = (existing: IdempotencyRecord, fingerprint: string | undefined) => {
    if (
      fingerprint !== undefined &&
      existing.fingerprint !== undefined &&
      existing.fingerprint !== fingerprint
    ) {
      throw new IdempotencyPayloadMismatchError(existing, fingerprint);
    }
    if (existing.status === 'IN_PROGRESS') throw new IdempotencyInProgressError(existing);
    cache?.set(existing.key, existing);
    return { run: false as const, result: replayOf<Result>(existing), record: existing };
  };

  const start = async (
    input: Input,
    lambdaContext: Context | undefined,
    run: RunState | undefined,
  ): Promise<BeginOutcome<Result> | { run: 'wait'; key: string }> => {
    if (opts.mode === 'at-least-once') {
      return atLeastOnce(
        'at-least-once mode keeps no record to commit writes with; write directly.',
        lambdaContext,
      );
    }
    const rawKey: unknown = opts.key(input);
    if (rawKey === undefined || rawKey === null || rawKey === '') {
      if (opts.onMissingKey === 'run') {
        return atLeastOnce(
          'This call has no idempotency key, so there is no record to commit writes with.',
          lambdaContext,
        );
      }
      throw new IdempotencyKeyError(
        `The \`key\` option returned ${JSON.stringify(rawKey)} for this input. Make it return a non-empty string ` +
          "(e.g. the order id), or set `onMissingKey: 'run'` to run such inputs without idempotency.",
      );
    }
    // Anything else would be stringified alike for every input ("[object Object]"), and every
    // message after the first would be skipped as a duplicate.
    if (typeof rawKey !== 'string' && !(typeof rawKey === 'number' && Number.isFinite(rawKey))) {
      throw new IdempotencyKeyError(
        `The \`key\` option returned ${Array.isArray(rawKey) ? 'an array' : typeof rawKey === 'object' ? 'an object' : `a ${typeof rawKey}`} ` +
          `(${shown(rawKey).slice(0, 80)}) for this input. Make it return a non-empty string or a finite number, e.g. \`(m) => m.body.order.id\`.`,
      );
    }
    const key = scoped(rawKey);
    if (Buffer.byteLength(key) > MAX_KEY_BYTES) {
      throw new IdempotencyKeyError(
        `The idempotency key is longer than DynamoDB's ${MAX_KEY_BYTES}-byte key limit; use a shorter key.`,
      );
    }
    // A key this run staged is settled once it commits; one it committed, from its record.
    if (run?.pending.has(key)) return { run: 'wait', key };
    const fingerprint = opts.fingerprint ? fingerprintOf(opts.fingerprint(input)) : undefined;
    const nowMs = now();
    const known = run?.known.get(key) ?? cache?.get(key);
    if (known && known.expiresAt * 1000 > nowMs) return existingOutcome(known, fingerprint);
    const remember = (record: IdempotencyRecord) => {
      cache?.set(record.key, record);
      run?.known.set(record.key, record);
    };
    if (opts.record === 'group-window') {
      if (!run?.window)
        throw new ConfigurationError(
          `idempotency: record 'group-window' needs a FIFO record (a MessageGroupId and SequenceNumber) and the fence's table; key "${key}" has neither.`,
        );
      // The same pseudo-record as effect-conditional's: this run settles a repeat from it.
      const held: IdempotencyRecord = {
        key,
        status: 'COMPLETED',
        owner: '',
        leaseExpiresAt: 0,
        expiresAt: Math.floor((nowMs + opts.expiresAfterMs) / 1000),
      };
      if (await run.window.holds(key)) return { run: false, result: undefined as Result, record: held };
      return groupWindowSession({ key, window: run.window, lambdaContext, remember: () => remember(held) });
    }
    if (effectDocuments)
      return effectConditional({
        key,
        documents: effectDocuments,
        lambdaContext,
        // The guard's item holds the key for as long as the item lives; in this run, as a record would.
        remember: () =>
          remember({
            key,
            status: 'COMPLETED',
            owner: '',
            leaseExpiresAt: 0,
            expiresAt: Math.floor(nowMs / 1000) + 3600,
          }),
      });

    const base: IdempotencyRecord = {
      key,
      status: 'IN_PROGRESS',
      owner: randomUUID(),
      leaseExpiresAt: nowMs + leaseMs(lambdaContext),
      expiresAt: Math.floor((nowMs + opts.expiresAfterMs) / 1000),
      ...(fingerprint === undefined ? {} : { fingerprint }),
    };
    const call: KeyedCall<Result> = {
      store,
      key,
      base,
      nowMs,
      lambdaContext,
      existing: (record) => existingOutcome(record, fingerprint),
      storeResult: opts.storeResult,
      now,
      remember,
    };
    return mode(call);
  };

  return {
    recordOf(input) {
      if (!recordTable) return undefined;
      try {
        const rawKey: unknown = opts.key(input);
        if (
          rawKey === '' ||
          (typeof rawKey !== 'string' && !(typeof rawKey === 'number' && Number.isFinite(rawKey)))
        )
          return undefined;
        const pk = scoped(rawKey);
        return Buffer.byteLength(pk) > MAX_KEY_BYTES ? undefined : { table: recordTable, pk };
      } catch {
        // The key function threw: the record was dead-lettered for it, and has no record.
        return undefined;
      }
    },
    async begin(input, lambdaContext) {
      const outcome = await start(input, lambdaContext, undefined);
      if (outcome.run === 'wait') throw new Error('unreachable: no run state, nothing pending');
      return outcome;
    },
    beginInRun: start,
  };
};
