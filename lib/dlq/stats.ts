import type { DeadLetter } from './dead-letter-message.ts';

/** Counts of a dead-letter queue's messages, as `reliable-events dlq stats` prints them. */
export type DeadLetterStats = {
  messages: number;
  /** Source queue name → count; messages with no recorded source count under "(unknown)". */
  bySource: Record<string, number>;
  /** Error name → count; messages SQS's redrive moved (no error recorded) count under "(redrive)". */
  byError: Record<string, number>;
  /** Message group → count (FIFO); "(none)" on a standard queue. */
  byGroup: Record<string, number>;
  /** Age of the oldest message read, in seconds; undefined when none was read. */
  oldestAgeSeconds?: number;
};

const tally = (letters: readonly DeadLetter[], key: (letter: DeadLetter) => string) => {
  const counts: Record<string, number> = {};
  for (const letter of letters) counts[key(letter)] = (counts[key(letter)] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort(([, a], [, b]) => b - a));
};

/**
 * Counts dead letters by source queue, error name and message group, and the oldest one's age.
 *
 * @example
 * const stats = deadLetterStats((await readDeadLetters({ client, queueUrl })).letters);
 */
export const deadLetterStats = (
  letters: readonly DeadLetter[],
  now: number = Date.now(),
): DeadLetterStats => {
  const oldest = Math.min(...letters.map((l) => l.sentAt));
  return {
    messages: letters.length,
    bySource: tally(letters, (l) => l.source?.queue ?? '(unknown)'),
    byError: tally(letters, (l) => l.error?.name ?? '(redrive)'),
    byGroup: tally(letters, (l) => l.groupId ?? '(none)'),
    ...(letters.length > 0 ? { oldestAgeSeconds: Math.max(0, Math.round((now - oldest) / 1000)) } : {}),
  };
};
