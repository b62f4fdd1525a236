export { type DynamoDBStoreOptions, dynamoDBStore } from './dynamodb-store.ts';
export { type EffectGuardOptions, putIfAbsent, updateOncePerKey } from './effect-writes.ts';
export { createIdempotencyEngine } from './engine.ts';
export { fingerprintOf } from './fingerprint.ts';
export { makeIdempotent } from './make-idempotent.ts';
export { memoryStore } from './memory-store.ts';
export {
  type IdempotencyLambdaContext,
  type IdempotencyMiddlewareOptions,
  idempotency,
  idempotencyTimeoutResponse,
} from './middleware.ts';
export { idempotencyDefaults } from './options.ts';
export type { BeginOutcome, IdempotencyEngine, IdempotencySession } from './session.ts';
export {
  createTransactionCollector,
  type TransactionCollector,
  type TransactWrite,
  type WriteOptions,
} from './transaction.ts';
export type {
  ClaimOutcome,
  CompleteExpectation,
  CompleteOutcome,
  DeliveryMode,
  IdempotencyOptions,
  IdempotencyRecord,
  IdempotencyStore,
  IdempotentContext,
  RecordStatus,
} from './types.ts';
