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
