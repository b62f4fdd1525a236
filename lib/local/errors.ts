import { ReliableEventsError } from '../errors.ts';

/** Java, needed to run DynamoDB Local, is not on the PATH. */
export class JavaNotFoundError extends ReliableEventsError {
  static override readonly errorName: string = 'JavaNotFoundError';
}

/** A local service (DynamoDB Local or the SQS emulator) did not come up. */
export class LocalStackStartError extends ReliableEventsError {
  static override readonly errorName: string = 'LocalStackStartError';

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

/** An intrinsic names something the local stack does not have. */
export class UnresolvableError extends ReliableEventsError {
  static override readonly errorName: string = 'UnresolvableError';
}

/** The handler timed out: Lambda would have stopped the sandbox, so its worker is discarded. */
export class FunctionTimeoutError extends ReliableEventsError {
  static override readonly errorName: string = 'FunctionTimeoutError';
  override readonly retryable = true;
}

/** The invocation was ended after its handler returned (an injected crash): its response never reached the poller. */
export class FunctionCrashError extends ReliableEventsError {
  static override readonly errorName: string = 'FunctionCrashError';
  override readonly retryable = true;
}

/** A function's code cannot load (a module missing from its bundle, a syntax error, no such handler). */
export class FunctionLoadError extends ReliableEventsError {
  static override readonly errorName: string = 'FunctionLoadError';
}
