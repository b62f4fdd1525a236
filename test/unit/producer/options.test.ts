import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../lib/errors.ts';
import { createProducer } from '../../../lib/producer/index.ts';

const queueUrl = 'https://sqs.us-east-1.amazonaws.com/123456789012/orders.fifo';

describe('createProducer options', () => {
  it.each([
    [{ maxAttempts: 0 }, '`retry.maxAttempts` must be an integer ≥ 1, received 0.'],
    [{ maxAttempts: 2.5 }, '`retry.maxAttempts` must be an integer ≥ 1, received 2.5.'],
    [{ baseDelayMs: -1 }, '`retry.baseDelayMs` must be zero or more milliseconds, received -1.'],
    [{ maxDelayMs: Number.NaN }, '`retry.maxDelayMs` must be zero or more milliseconds, received NaN.'],
    [{ maxElapsedMs: '10s' }, '`retry.maxElapsedMs` must be zero or more milliseconds, received "10s".'],
  ])('rejects retry %j at construction, naming the option', (retry, message) => {
    expect(() => createProducer({ queueUrl, retry: retry as never })).toThrow(ConfigurationError);
    expect(() => createProducer({ queueUrl, retry: retry as never })).toThrow(`createProducer: ${message}`);
  });

  it('rejects a retry option that is not an object, and a bad retry even in at-most-once mode', () => {
    expect(() => createProducer({ queueUrl, retry: 3 as never })).toThrow(/`retry` must be an object/);
    expect(() => createProducer({ queueUrl, mode: 'at-most-once', retry: { baseDelayMs: -5 } })).toThrow(
      /`retry.baseDelayMs` must be/,
    );
  });

  it('accepts partial retry bounds', () => {
    expect(() => createProducer({ queueUrl, retry: { maxAttempts: 2, maxElapsedMs: 0 } })).not.toThrow();
  });
});
