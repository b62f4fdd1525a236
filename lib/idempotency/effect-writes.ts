import { ConfigurationError } from '../errors.ts';
import type { TransactItem } from './staged-commit.ts';

type PutInput = Omit<NonNullable<TransactItem['Put']>, 'ReturnValuesOnConditionCheckFailure'>;
type UpdateInput = Omit<NonNullable<TransactItem['Update']>, 'ReturnValuesOnConditionCheckFailure'>;
type Item = Record<string, unknown>;

/** How a guard write tells, from the item a failed condition returned (ALL_OLD), that its key was applied. */
export type EffectGuard = {
  /** The write with the idempotency condition, for this key, stamped with the call's nonce. */
  action(key: string, nonce: string): TransactItem;
  /** The guarded item's table and key, for a consistent read after an ambiguous outcome. */
  item: { TableName: string; Key: Item };
  /** True when `old` shows this key already applied: a duplicate, not a failed condition of the user's. */
  applied(old: Item | undefined, key: string): boolean;
  /** True when `old` was written by the call with this nonce (an SDK retry of a write that had landed). */
  wroteBy(old: Item | undefined, nonce: string): boolean;
};

const guards = new WeakMap<object, EffectGuard>();

/** The guard behind a write made by `putIfAbsent` or `updateOncePerKey`, if it is one. */
export const guardOf = (write: TransactItem): EffectGuard | undefined =>
  guards.get(Object.values(write)[0] as object);

export type EffectGuardOptions = {
  /** Attribute that records the idempotency key that wrote the item. @default 'idempotencyKey' */
  markerAttribute?: string;
};

const MARKER = 'idempotencyKey';
// The nonce of the call that last wrote the item: tells this call's own landed write, met again by
// an SDK retry of a lone PutItem/UpdateItem (which has no request token), from another delivery's.
const CALL = 'idempotencyCall';

/** The user's own condition, if any, must hold as well: `(ours) AND (theirs)`. */
const withCondition = <T extends { ConditionExpression?: string }>(write: T, ours: string): string =>
  write.ConditionExpression ? `(${ours}) AND (${write.ConditionExpression})` : ours;

const tag = <T extends object>(input: T, guard: EffectGuard): T => {
  guards.set(input, guard);
  return input;
};

/**
 * A put that lands only if its item does not exist yet: the seed's "INSERT IGNORE". In
 * `mode: 'effect-conditional'` it carries the idempotency condition, so a repeat of the key is a
 * duplicate (the item holds the key in `markerAttribute`), while an item some other key wrote
 * fails the record with `EffectConditionFailedError`.
 *
 * @example
 * transaction.put(putIfAbsent({ TableName: 'payments', Item: { pk: order.id, amount: order.amount } }));
 */
export const putIfAbsent = (
  put: PutInput,
  options: EffectGuardOptions & {
    /** The table's key attributes, all present in `Item`. @default ['pk'] */
    keyAttributes?: readonly string[];
  } = {},
): PutInput => {
  const marker = options.markerAttribute ?? MARKER;
  const keyAttributes = options.keyAttributes ?? ['pk'];
  // The condition names the table's key attributes: on a table keyed otherwise (`PK`/`SK`, `id`)
  // `attribute_not_exists(pk)` would hold for every item and guard nothing.
  if (!Array.isArray(keyAttributes) || keyAttributes.length === 0 || keyAttributes.length > 2)
    throw new ConfigurationError(
      `putIfAbsent: keyAttributes must list the table's partition key and, if it has one, its sort key (got ${JSON.stringify(keyAttributes)}).`,
    );
  const missing = keyAttributes.filter((name) => put.Item?.[name] === undefined);
  if (missing.length > 0)
    throw new ConfigurationError(
      `putIfAbsent: the Item has no ${missing.map((name) => `"${name}"`).join(', ')}, which keyAttributes declares as the ` +
        `table's key (default ['pk']). Pass the table's key, e.g. putIfAbsent(put, { keyAttributes: ['PK', 'SK'] }).`,
    );
  const Key = Object.fromEntries(keyAttributes.map((name) => [name, put.Item?.[name]]));
  const names = Object.fromEntries(keyAttributes.map((name, i) => [`#reKey${i}`, name]));
  const input = { ...put };
  return tag(input, {
    action: (key, nonce) => ({
      Put: {
        ...put,
        Item: { ...put.Item, [marker]: key, [CALL]: nonce },
        ConditionExpression: withCondition(
          put,
          Object.keys(names)
            .map((name) => `attribute_not_exists(${name})`)
            .join(' AND '),
        ),
        ExpressionAttributeNames: { ...put.ExpressionAttributeNames, ...names },
      },
    }),
    item: { TableName: put.TableName as string, Key },
    applied: (old, key) => old?.[marker] === key,
    wroteBy: (old, nonce) => old?.[CALL] === nonce,
  });
};

/**
 * An update applied once per idempotency key. Without `position` the item belongs to one key
 * (an order's payment): the update lands if no key has applied it yet. With `position` — a number
 * that increases, per item, in the order messages touching it are delivered (FIFO within one
 * message group, or the producer's sequence numbers) — the item keeps the last position applied
 * and lands only a higher one, so a bounded marker serves items many keys update.
 *
 * @example
 * transaction.update(updateOncePerKey({ TableName: 'payments', Key: { pk: order.id }, UpdateExpression: 'ADD captures :one', ExpressionAttributeValues: { ':one': 1 } }));
 */
export const updateOncePerKey = (
  update: UpdateInput,
  options: EffectGuardOptions & {
    /**
     * An increasing number: a safe integer, a BigInt, or a decimal string (an SQS `SequenceNumber`,
     * 128 bits, which a JavaScript number would round) — stored and compared as a DynamoDB number.
     */
    position?: number | bigint | string;
    /** Attribute that keeps the last applied position. @default 'idempotencyPosition' */
    positionAttribute?: string;
  } = {},
): UpdateInput => {
  const marker = options.markerAttribute ?? MARKER;
  const positionAttribute = options.positionAttribute ?? 'idempotencyPosition';
  if (!update.Key || typeof update.Key !== 'object' || Object.keys(update.Key).length === 0)
    throw new ConfigurationError(
      "updateOncePerKey: the update has no Key; give the item's full key, e.g. { Key: { PK: 'ORDER#1', SK: 'PAYMENT' } }.",
    );
  const position = positionOf(options.position);
  const set =
    position === undefined
      ? '#reMarker = :reKey, #reCall = :reCall'
      : '#reMarker = :reKey, #reCall = :reCall, #rePos = :rePos';
  const input = { ...update };
  return tag(input, {
    action: (key, nonce) => ({
      Update: {
        ...update,
        // A second SET clause is not allowed: join ours to the user's, which may hold one already.
        UpdateExpression: joinSet(update.UpdateExpression ?? '', set),
        ConditionExpression: withCondition(
          update,
          position === undefined
            ? 'attribute_not_exists(#reMarker)'
            : 'attribute_not_exists(#rePos) OR #rePos < :rePos',
        ),
        ExpressionAttributeNames: {
          ...update.ExpressionAttributeNames,
          '#reMarker': marker,
          '#reCall': CALL,
          ...(position === undefined ? {} : { '#rePos': positionAttribute }),
        },
        ExpressionAttributeValues: {
          ...update.ExpressionAttributeValues,
          ':reKey': key,
          ':reCall': nonce,
          ...(position === undefined ? {} : { ':rePos': position }),
        },
      },
    }),
    item: { TableName: update.TableName as string, Key: update.Key as Item },
    applied: (old, key) => {
      if (position === undefined) return old?.[marker] === key;
      const stored = old?.[positionAttribute];
      if (stored === undefined || stored === null || !/^-?\d+$/.test(String(stored))) return false;
      return BigInt(String(stored)) >= position;
    },
    wroteBy: (old, nonce) => old?.[CALL] === nonce,
  });
};

/** A position as a BigInt, exact whatever its size; a number must be a safe integer. */
const positionOf = (position: number | bigint | string | undefined): bigint | undefined => {
  if (position === undefined) return undefined;
  if (typeof position === 'bigint') return position;
  if (typeof position === 'number' && Number.isSafeInteger(position)) return BigInt(position);
  if (typeof position === 'string' && /^-?\d{1,38}$/.test(position)) return BigInt(position);
  throw new ConfigurationError(
    `updateOncePerKey: position must be a safe integer, a BigInt or a decimal string of at most 38 digits (DynamoDB's precision); got ${typeof position} ${String(position)}. ` +
      'Pass an SQS SequenceNumber as the string it is: a JavaScript number rounds it.',
  );
};

/** Adds `assignments` to the SET clause of an update expression (DynamoDB allows one SET clause). */
export const joinSet = (expression: string, assignments: string): string => {
  // The SET keyword, not a placeholder (`#set`, `:set`) or part of a name (`reset`).
  const match = /(^|[^#:\w])(SET)\b/i.exec(expression);
  if (!match) return expression.trim() ? `SET ${assignments} ${expression}` : `SET ${assignments}`;
  const at = match.index + match[0].length;
  return `${expression.slice(0, at)} ${assignments},${expression.slice(at)}`;
};
