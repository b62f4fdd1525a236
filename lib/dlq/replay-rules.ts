import { createHash } from 'node:crypto';
import type { DeadLetter } from './dead-letter-message.ts';
import { DeadLetterOptionsError } from './errors.ts';
import { checkVisibility } from './read.ts';
import type { ReplayOptions } from './replay-types.ts';

// What a replay decides before it sends: the options it accepts, the messages it selects, and the
// deduplication id a FIFO resend carries.

// SQS remembers a FIFO deduplication id for 5 minutes.
// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/using-messagededuplicationid-property.html
export const DEDUPLICATION_WINDOW_MS = 5 * 60_000;
// A deduplication id: up to 128 characters, alphanumeric and punctuation.
export const deduplicationIdOf = (replayId: string) =>
  /^[\x21-\x7e]{1,120}$/.test(replayId)
    ? `replay-${replayId}`
    : `replay-${createHash('sha256').update(replayId).digest('hex')}`;

export const matches = (letter: DeadLetter, filter: NonNullable<ReplayOptions['filter']>) =>
  (filter.group === undefined || letter.groupId === filter.group) &&
  (filter.errorName === undefined || letter.error?.name === filter.errorName) &&
  (filter.since === undefined || letter.sentAt >= filter.since.getTime()) &&
  (filter.select === undefined || filter.select(letter));

export const checkReplayOptions = (opts: ReplayOptions & { visibilityTimeoutSeconds: number }) => {
  checkVisibility('visibilityTimeoutSeconds', opts.visibilityTimeoutSeconds);
  if (opts.ratePerSecond !== undefined && !(opts.ratePerSecond > 0))
    throw new DeadLetterOptionsError(`ratePerSecond: expected a number above 0, got ${opts.ratePerSecond}.`);
  if (opts.filter?.since !== undefined && Number.isNaN(opts.filter.since.getTime()))
    throw new DeadLetterOptionsError('filter.since: expected a valid date.');
  if (!/^https?:\/\//.test(opts.queueUrl))
    throw new DeadLetterOptionsError(`queueUrl: expected a queue URL, got ${opts.queueUrl}.`);
};
