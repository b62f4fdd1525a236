import { Logger } from '@aws-lambda-powertools/logger';
import { defaultServiceName } from './names.ts';

/** Any structured logger with these methods (Powertools Logger, pino, console) will do. */
export type StructuredLogger = {
  info(message: string, attributes: Record<string, unknown>): void;
  warn(message: string, attributes: Record<string, unknown>): void;
  error(message: string, attributes: Record<string, unknown>): void;
};

/** What identifies a message in a log line. The body is attached only with `logBodies: true`. */
export type LoggedMessage = { messageId: string; groupId?: string; queue: string; body?: unknown };

export type ReliabilityLog = {
  duplicate(message: LoggedMessage, reason: 'idempotency' | 'sequence'): void;
  failed(message: LoggedMessage, error: unknown, willRetry: boolean): void;
  deadLettered(message: LoggedMessage, error: unknown, destination: string): void;
  gap(message: LoggedMessage, detail: { sequenceKey: string; expected: number; received: number }): void;
  lost(message: LoggedMessage, detail: { sequenceKey: string; missing: number[] }): void;
  batchFailed(detail: { queue: string; records: number; reason: string }): void;
  /** Returned records whose retry backoff could not be set: they keep the queue's visibility timeout. */
  backoffFailed(detail: { queue: string; records: number }): void;
};

export type ReliabilityLogOptions = {
  /** @default a Powertools Logger (JSON lines on stdout) */
  logger?: StructuredLogger;
  /** Attach message bodies to log lines. They may hold personal or payment data. @default false */
  logBodies?: boolean;
};

const describeError = (error: unknown) =>
  error instanceof Error
    ? { errorName: error.name, errorMessage: error.message }
    : { errorMessage: String(error) };

/**
 * Structured JSON logs for the events a human may need to look at: failures, duplicates,
 * dead-lettering, sequence gaps and losses. Message bodies are left out unless `logBodies`.
 *
 * @example
 * const log = createReliabilityLog({ logger: new Logger({ serviceName: 'payments' }) });
 * log.duplicate({ messageId, groupId, queue: 'orders.fifo' }, 'idempotency');
 */
export const createReliabilityLog = (options: ReliabilityLogOptions = {}): ReliabilityLog => {
  const logger = options.logger ?? new Logger({ serviceName: defaultServiceName() });
  const fields = ({ body, ...identity }: LoggedMessage) =>
    options.logBodies && body !== undefined ? { ...identity, body } : identity;

  return {
    duplicate: (message, reason) =>
      logger.info('Duplicate message skipped', { event: 'duplicate', reason, ...fields(message) }),
    failed: (message, error, willRetry) =>
      logger.warn('Message failed', {
        event: 'failed',
        willRetry,
        ...fields(message),
        ...describeError(error),
      }),
    deadLettered: (message, error, destination) =>
      logger.error('Message sent to the dead-letter queue', {
        event: 'dead-lettered',
        destination,
        ...fields(message),
        ...describeError(error),
      }),
    gap: (message, detail) =>
      logger.warn('Sequence gap: message held back', { event: 'gap', ...detail, ...fields(message) }),
    lost: (message, detail) =>
      logger.error('Sequence numbers lost', { event: 'lost', ...detail, ...fields(message) }),
    batchFailed: (detail) =>
      logger.error('Every record of the batch failed', { event: 'batch-failed', ...detail }),
    backoffFailed: (detail) =>
      logger.warn('Retry backoff not set: records keep the visibility timeout', {
        event: 'backoff-failed',
        ...detail,
      }),
  };
};
