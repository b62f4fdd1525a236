/**
 * The environment variable that carries the dead-letter queue's URL: `ReliableConsumer` sets it,
 * and `sqsBatch` reads it when no `deadLetterQueueUrl` is given. One name on both sides.
 */
export const DEAD_LETTER_QUEUE_URL_ENV = 'DEAD_LETTER_QUEUE_URL';
