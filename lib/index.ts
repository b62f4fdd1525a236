export * from './errors.ts';
export * from './idempotency/index.ts';
export * from './metrics/index.ts';
export * from './producer/index.ts';
export * from './sqs/index.ts';
