import { ConfigurationError } from './errors.ts';

// A function declaration (not an arrow), so TypeScript narrows after a call as it does after `throw`.
/**
 * Throws the one message every factory gives for a bad option: what it must be and what it got.
 *
 * @example
 * if (!Number.isInteger(concurrency)) invalidOption('sqsBatch', 'concurrency', 'an integer ≥ 1', concurrency);
 * // ConfigurationError: sqsBatch: `concurrency` must be an integer ≥ 1, received 1.5.
 */
export function invalidOption(factory: string, option: string, expected: string, received: unknown): never {
  const shown =
    typeof received === 'number' ? String(received) : (JSON.stringify(received) ?? String(received));
  throw new ConfigurationError(`${factory}: \`${option}\` must be ${expected}, received ${shown}.`);
}
