import { createHash } from 'node:crypto';

// JSON with object keys sorted at every depth, so { a, b } and { b, a } fingerprint alike. Values
// JSON cannot hold (what the SDK marshals: BigInt, Sets, Maps, binary) are tagged by type, so two
// payloads that differ there never fingerprint alike, and none throws.
const canonical = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value === 'bigint') return { $bigint: String(value) };
  if (value instanceof Uint8Array) return { $binary: Buffer.from(value).toString('base64') };
  if (value instanceof Set)
    return {
      $set: [...value]
        .map(canonical)
        .map((v) => JSON.stringify(v) ?? 'undefined')
        .sort(),
    };
  if (value instanceof Map)
    return {
      $map: [...value.entries()]
        .map(([k, v]) => [JSON.stringify(canonical(k)) ?? 'undefined', canonical(v)] as const)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    };
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
};

/**
 * A SHA-256 of the canonical JSON of `value`: equal for equal data whatever the key order.
 *
 * @example
 * fingerprintOf({ amount: 42, currency: 'EUR' }) === fingerprintOf({ currency: 'EUR', amount: 42 }); // true
 */
export const fingerprintOf = (value: unknown): string =>
  createHash('sha256')
    .update(JSON.stringify(canonical(value)) ?? 'undefined')
    .digest('base64url');
