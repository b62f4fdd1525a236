import { ConfigurationError, ReliableEventsError } from '../errors.ts';

/** A queue named to `reliable-events dlq` (a URL, a name, a logical id) does not exist or cannot be found. */
export class DeadLetterQueueNotFoundError extends ReliableEventsError {
  static override readonly errorName: string = 'DeadLetterQueueNotFoundError';
}

/** An option of `replayDeadLetters` or `readDeadLetters` is missing or out of range. */
export class DeadLetterOptionsError extends ConfigurationError {
  static override readonly errorName: string = 'DeadLetterOptionsError';
}

/** The idempotency table a replay or a discard reads could not be read: wrong name, or no permission. */
export class AppliedLookupError extends ReliableEventsError {
  static override readonly errorName: string = 'AppliedLookupError';
}

/** `dlq discard` cannot go on: the message is nowhere to be found, or its group's park cannot be. */
export class DiscardError extends ReliableEventsError {
  static override readonly errorName: string = 'DiscardError';
}
