import { IdempotencyTransactionError } from './errors.ts';
import type { IdempotencyRecord, IdempotencyStore } from './types.ts';

const isFree = (existing: IdempotencyRecord | undefined, nowMs: number): boolean =>
  !existing ||
  existing.expiresAt < Math.floor(nowMs / 1000) ||
  (existing.status === 'IN_PROGRESS' && existing.leaseExpiresAt < nowMs);

/**
 * Idempotency records in this process's memory, with the same conditions as
 * `dynamoDBStore`. For unit tests and local use; it cannot commit transaction writes.
 *
 * @example
 * const pay = makeIdempotent(capture, { store: memoryStore(), key: (order) => order.id });
 */
export const memoryStore = (): IdempotencyStore & {
  readonly records: ReadonlyMap<string, IdempotencyRecord>;
} => {
  const records = new Map<string, IdempotencyRecord>();
  return {
    records,
    async claim(record, nowMs) {
      const existing = records.get(record.key);
      if (!isFree(existing, nowMs)) return { claimed: false, existing: { ...existing! } };
      records.set(record.key, { ...record });
      return { claimed: true };
    },
    async complete(record, expect, writes, nowMs) {
      if (writes.length > 0) {
        throw new IdempotencyTransactionError(
          'memoryStore cannot commit DynamoDB writes registered on ctx.transaction; use dynamoDBStore for exactly-once effects.',
        );
      }
      const existing = records.get(record.key);
      const holds = expect === 'owner' ? existing?.owner === record.owner : isFree(existing, nowMs);
      if (!holds) return { completed: false, existing: existing && { ...existing } };
      records.set(record.key, { ...record });
      return { completed: true };
    },
    async release(key, owner) {
      const existing = records.get(key);
      if (existing?.owner !== owner || existing.status !== 'IN_PROGRESS') return false;
      records.delete(key);
      return true;
    },
    get: async (key) => {
      const existing = records.get(key);
      return existing && { ...existing };
    },
  };
};
