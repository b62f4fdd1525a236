/**
 * The environment variable that carries the dead-letter queue's URL: `ReliableConsumer` sets it,
 * and `sqsBatch` reads it when no `deadLetterQueueUrl` is given. One name on both sides.
 */
export const DEAD_LETTER_QUEUE_URL_ENV = 'DEAD_LETTER_QUEUE_URL';

/** The idempotency table's name, which `ReliableConsumer` passes to its function (`idempotencyTable`). */
export const IDEMPOTENCY_TABLE_ENV = 'IDEMPOTENCY_TABLE';

/** The source queue's URL, which `ReliableConsumer` passes to its function: sqsBatch's retry backoff changes visibilities there. */
export const QUEUE_URL_ENV = 'QUEUE_URL';
