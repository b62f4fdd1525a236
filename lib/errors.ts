/**
 * Every error this library throws on purpose extends {@link ReliableEventsError},
 * so callers can tell our errors from the SDK's and from their own. Each module keeps its own
 * errors beside its code (`idempotency/errors.ts`, `sqs/errors.ts`, …); this file holds the base
 * and the errors every module shares.
 *
 * `name` is the class's `errorName`, a string literal, so it survives a minifier that renames
 * classes (a deployed bundle logs `MessageValidationError`, not `Dt`). A subclass that does not
 * declare its own `errorName` is named after its class, as a plain `Error` subclass would be.
 *
 * @example
 * try { await handler(event) } catch (error) {
 *   if (error instanceof IdempotencyInProgressError) return retryLater();
 *   throw error;
 * }
 */
export class ReliableEventsError extends Error {
  static readonly errorName: string = 'ReliableEventsError';
  /** Whether retrying the same input later can succeed. */
  readonly retryable: boolean = false;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    const type = new.target as typeof ReliableEventsError;
    this.name = Object.hasOwn(type, 'errorName') ? type.errorName : type.name;
  }
}

/** An option passed to a factory is missing or out of range. Thrown at construction, never per record. */
export class ConfigurationError extends ReliableEventsError {
  static override readonly errorName: string = 'ConfigurationError';
}

/**
 * Throw this (or a subclass) from a record handler when retrying cannot help: invalid data,
 * a poison message. The record goes to the dead-letter queue instead of burning retries.
 */
export class NonRetryableError extends ReliableEventsError {
  static override readonly errorName: string = 'NonRetryableError';
}
