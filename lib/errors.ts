/**
 * Every error this library throws on purpose extends {@link ReliableEventsError},
 * so callers can tell our errors from the SDK's and from their own.
 *
 * @example
 * try { await handler(event) } catch (error) {
 *   if (error instanceof IdempotencyInProgressError) return retryLater();
 *   throw error;
 * }
 */
export class ReliableEventsError extends Error {
  /** Whether retrying the same input later can succeed. */
  readonly retryable: boolean = false;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** An option passed to a factory is missing or out of range. Thrown at construction, never per record. */
export class ConfigurationError extends ReliableEventsError {}

/** Java, needed to run DynamoDB Local, is not on the PATH. */
export class JavaNotFoundError extends ReliableEventsError {}

/** A local service (DynamoDB Local or the SQS emulator) did not come up. */
export class LocalStackStartError extends ReliableEventsError {
  /** Which service failed. */
  readonly service: 'dynamodb' | 'sqs';
  /** The last lines the service printed, to diagnose why. */
  readonly output: string;

  constructor(message: string, service: 'dynamodb' | 'sqs', output: string, options?: { cause?: unknown }) {
    super(message, options);
    this.service = service;
    this.output = output;
  }
}

/** The idempotency key is missing or empty, or too long for a DynamoDB partition key. */
export class IdempotencyKeyError extends ReliableEventsError {}

/** The function registered writes that cannot be committed in one transaction. */
export class IdempotencyTransactionError extends ReliableEventsError {}

type StoredRecord = import('./idempotency/types.ts').IdempotencyRecord;

/** Another invocation holds a live lease on this key. Retry later: it will complete or its lease will lapse. */
export class IdempotencyInProgressError extends ReliableEventsError {
  override readonly retryable = true;
  /** The record that holds the key. */
  readonly existing: StoredRecord;

  constructor(existing: StoredRecord) {
    super(
      `Key "${existing.key}" is being processed by another invocation until ${new Date(existing.leaseExpiresAt).toISOString()}; retry after that.`,
    );
    this.existing = existing;
  }
}

/** The key was seen before with a different payload: the same key must always mean the same request. */
export class IdempotencyPayloadMismatchError extends ReliableEventsError {
  readonly existing: StoredRecord;
  readonly fingerprint: string;

  constructor(existing: StoredRecord, fingerprint: string) {
    super(
      `Key "${existing.key}" was first used with a different payload (fingerprint ${existing.fingerprint}, now ${fingerprint}). ` +
        'Use a new key for a new request, or narrow the `fingerprint` option to the fields that identify it.',
    );
    this.existing = existing;
    this.fingerprint = fingerprint;
  }
}

/**
 * Completion was refused because this invocation no longer owns the key: its lease lapsed and
 * another invocation took over. Nothing of this invocation's transaction was written.
 */
export class IdempotencyLeaseLostError extends ReliableEventsError {
  override readonly retryable = true;
  readonly key: string;
  readonly existing: StoredRecord | undefined;

  constructor(key: string, existing: StoredRecord | undefined) {
    super(
      `Lost the lease on key "${key}" before completing: another invocation took it over, so this invocation's ` +
        'result and transaction writes were discarded. Raise the Lambda timeout or `leaseMarginMs` if this is frequent.',
    );
    this.key = key;
    this.existing = existing;
  }
}

/** The result is too large to store in an idempotency record (DynamoDB items are at most 400 KB). */
export class IdempotencyResultTooLargeError extends ReliableEventsError {
  readonly key: string;
  readonly bytes: number;

  constructor(key: string, bytes: number, options?: { cause?: unknown }) {
    super(
      `The result for key "${key}" is ${bytes} bytes, too large for a DynamoDB item (400 KB in all). ` +
        'Return less, or set `storeResult: false` so duplicates are skipped without replaying the result.',
      options,
    );
    this.key = key;
    this.bytes = bytes;
  }
}

/**
 * Throw this (or a subclass) from a record handler when retrying cannot help: invalid data,
 * a poison message. The record goes to the dead-letter queue instead of burning retries.
 */
export class NonRetryableError extends ReliableEventsError {}

/** The message body is not valid JSON (with `parse: 'json'`). */
export class MessageParseError extends NonRetryableError {}

/** The message body failed the `parse` schema. `issues` holds the schema's findings. */
export class MessageValidationError extends NonRetryableError {
  readonly issues: readonly { message: string; path?: readonly unknown[] }[];

  constructor(message: string, issues: readonly { message: string; path?: readonly unknown[] }[]) {
    super(message);
    this.issues = issues;
  }
}

/** A record's sequence number is ahead of the watermark: an earlier message has not been processed yet. */
export class SequenceGapError extends ReliableEventsError {
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

/** A message cannot be sent as given (too large, no ordering key on a FIFO queue, a bad option). Nothing was sent. */
export class MessageRejectedError extends ReliableEventsError {
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
  code: string;
  reason: string;
  /** True when SQS blamed the request itself (retrying as is cannot succeed). */
  senderFault: boolean;
};

/** Some messages were not sent after every retry; `failures` lists each, and `sent` what got through. */
export class SendFailedError extends ReliableEventsError {
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
