import { ReliableEventsError } from '../errors.ts';

/** A message cannot be sent as given (too large, no ordering key on a FIFO queue, a bad option). Nothing was sent. */
export class MessageRejectedError extends ReliableEventsError {
  static override readonly errorName: string = 'MessageRejectedError';

  /** The `id` of the message at fault. */
  readonly messageId: string;

  constructor(messageId: string, message: string) {
    super(message);
    this.messageId = messageId;
  }
}

/** One message the producer could not send, and why. */
export type SendFailure = {
  id: string;
  /** SQS's error code, or `PrecedingMessageNotSent`: held back because an earlier message of its FIFO ordering key was not sent. */
  code: string;
  reason: string;
  /** True when SQS blamed the request itself (retrying as is cannot succeed). */
  senderFault: boolean;
};

/** Some messages were not sent after every retry; `failures` lists each, and `sent` what got through. */
export class SendFailedError extends ReliableEventsError {
  static override readonly errorName: string = 'SendFailedError';

  override readonly retryable = true;
  readonly failures: readonly SendFailure[];
  readonly sent: readonly { id: string; messageId: string }[];

  constructor(failures: readonly SendFailure[], sent: readonly { id: string; messageId: string }[]) {
    super(
      `${failures.length} message(s) were not sent: ${failures
        .slice(0, 3)
        .map((f) => `${f.id} (${f.code}: ${f.reason})`)
        .join('; ')}${failures.length > 3 ? '; …' : ''}. ${sent.length} were sent.`,
    );
    this.failures = failures;
    this.sent = sent;
  }
}

/** The sequence counter could not number a key's messages (it keeps conflicting, or DynamoDB left reads undone). Nothing was sent; retry the call. */
export class SequenceCounterError extends ReliableEventsError {
  static override readonly errorName: string = 'SequenceCounterError';

  override readonly retryable = true;
  readonly orderingKey: string;

  constructor(orderingKey: string, reason: string, cause?: unknown) {
    super(
      `Could not number the messages of ordering key ${orderingKey}: ${reason}. Nothing was sent; retry.`,
      {
        cause,
      },
    );
    this.orderingKey = orderingKey;
  }
}
