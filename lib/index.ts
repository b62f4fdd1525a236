export * from './errors.ts';
export * from './idempotency/errors.ts';
export * from './idempotency/index.ts';
// The local runtime's start-up errors stay exported from the root, as before the split.
export { JavaNotFoundError, LocalStackStartError } from './local/errors.ts';
export * from './metrics/index.ts';
export * from './producer/errors.ts';
export * from './producer/index.ts';
export * from './sqs/errors.ts';
export * from './sqs/index.ts';
