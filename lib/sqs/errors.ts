import { NonRetryableError, ReliableEventsError } from '../errors.ts';

/** The message body is not valid JSON (with `parse: 'json'`). */
export class MessageParseError extends NonRetryableError {
  static override readonly errorName: string = 'MessageParseError';
}

/** The message body failed the `parse` schema. `issues` holds the schema's findings. */
export class MessageValidationError extends NonRetryableError {
  static override readonly errorName: string = 'MessageValidationError';

  readonly issues: readonly { message: string; path?: readonly unknown[] }[];

  constructor(message: string, issues: readonly { message: string; path?: readonly unknown[] }[]) {
    super(message);
    this.issues = issues;
  }
}

/** A record's sequence number is ahead of the watermark: an earlier message has not been processed yet. */
export class SequenceGapError extends ReliableEventsError {
  static override readonly errorName: string = 'SequenceGapError';

  override readonly retryable = true;
  readonly sequenceKey: string;
  readonly expected: number;
  readonly received: number;

  constructor(sequenceKey: string, expected: number, received: number) {
    super(
      `Sequence ${received} of "${sequenceKey}" arrived before ${expected}; held back until the gap is filled.`,
    );
    this.sequenceKey = sequenceKey;
    this.expected = expected;
    this.received = received;
  }
}
