import { createHash } from 'node:crypto';

// JSON with object keys sorted at every depth, so { a, b } and { b, a } fingerprint alike.
const canonical = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(canonical);
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
