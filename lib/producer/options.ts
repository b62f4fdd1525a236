import { invalidOption } from '../options.ts';

type RetryOptions = {
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  maxElapsedMs?: number;
};

const fail = (option: string, expected: string, received: unknown) =>
  invalidOption('createProducer', option, expected, received);

/** Rejects a misconfigured producer at construction, naming the option. */
export const validateProducerOptions = (options: {
  queueUrl?: unknown;
  mode?: unknown;
  retry?: RetryOptions;
}): void => {
  if (typeof options?.queueUrl !== 'string' || !/^https?:\/\//.test(options.queueUrl))
    fail('queueUrl', 'a queue URL', options?.queueUrl);
  if (options.mode !== undefined && options.mode !== 'at-least-once' && options.mode !== 'at-most-once')
    fail('mode', "'at-least-once' | 'at-most-once'", options.mode);
  if (options.retry === undefined) return;
  if (typeof options.retry !== 'object' || options.retry === null)
    fail('retry', 'an object { maxAttempts, baseDelayMs, maxDelayMs, maxElapsedMs }', options.retry);
  const { maxAttempts, baseDelayMs, maxDelayMs, maxElapsedMs } = options.retry;
  if (maxAttempts !== undefined && (!Number.isInteger(maxAttempts) || maxAttempts < 1))
    fail('retry.maxAttempts', 'an integer ≥ 1', maxAttempts);
  for (const [option, value] of [
    ['retry.baseDelayMs', baseDelayMs],
    ['retry.maxDelayMs', maxDelayMs],
    ['retry.maxElapsedMs', maxElapsedMs],
  ] as const) {
    if (value !== undefined && !(Number.isFinite(value) && value >= 0))
      fail(option, 'zero or more milliseconds', value);
  }
};
