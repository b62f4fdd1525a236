// Deliberately not exported from the package: a mutation for the proof (`npm start`), which must
// show that it catches a producer that reorders a message group when it retries.
const UNORDERED_RETRIES = Symbol('reliable-events.unordered-retries');

/**
 * Producer options that retry the way the producer did before it kept ordering keys in order:
 * every message goes out at once in batches of 10, and what SQS did not accept is retried
 * later, after messages of the same key that were accepted meanwhile. For the proof and
 * tests only; it reorders FIFO groups whenever SQS fails a call or an entry.
 *
 * @example
 * const producer = createProducer(withUnorderedRetries({ queueUrl, client }));
 */
export const withUnorderedRetries = <Options extends object>(options: Options): Options =>
  Object.assign({ ...options }, { [UNORDERED_RETRIES]: true });

/** Whether `options` came from `withUnorderedRetries`. */
export const unorderedRetries = (options: object): boolean =>
  (options as { [UNORDERED_RETRIES]?: boolean })[UNORDERED_RETRIES] === true;
