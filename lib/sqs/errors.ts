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

/**
 * A commit of a FIFO record arrived after a later record of its message group had committed: the
 * invocation ran late (it outlived its message's visibility timeout; SQS meanwhile moved the
 * message to the dead-letter queue or delivered it again, and handed out the group's next one).
 * Nothing of it was written; the message stays where SQS put it.
 */
export class LateCommitFencedError extends ReliableEventsError {
  static override readonly errorName: string = 'LateCommitFencedError';
  override readonly retryable = true;
  readonly group: string;
  readonly sequenceNumber: string;

  constructor(group: string, sequenceNumber: string) {
    super(
      `The commit of message group "${group}" sequence ${sequenceNumber} came after a later record of the group committed; ` +
        'it was fenced off (nothing written), so the group is never applied out of order. The message is where SQS put it (its dead-letter queue, or back in the queue).',
    );
    this.group = group;
    this.sequenceNumber = sequenceNumber;
  }
}

/**
 * `onDeadLetter: 'park-group'`: the record's message group is parked behind a record the consumer
 * dead-lettered (`parkedMessageId`), so it goes to the dead-letter queue behind it, in order,
 * instead of being applied before it. `reliable-events dlq replay` of the group lifts the park.
 */
export class GroupParkedError extends NonRetryableError {
  static override readonly errorName: string = 'GroupParkedError';
  readonly group: string;
  readonly parkedMessageId: string | undefined;

  constructor(group: string, parkedMessageId: string | undefined) {
    super(
      `Message group "${group}" is parked behind message ${parkedMessageId ?? '(unknown)'}, which was dead-lettered: ` +
        'this record follows it to the dead-letter queue, in order. Replay the group (reliable-events dlq replay --group) to release it.',
    );
    this.group = group;
    this.parkedMessageId = parkedMessageId;
  }
}
