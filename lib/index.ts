export * from './errors.ts';
export * from './idempotency/index.ts';
