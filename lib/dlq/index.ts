export { type Applied, type AppliedLookup, appliedDefaults, lookUpApplied } from './applied.ts';
export type { DeadLetter } from './dead-letter-message.ts';
export {
  type DiscardOptions,
  type DiscardReport,
  discardDeadLetter,
  discardDefaults,
  type ParkOutcome,
} from './discard.ts';
export {
  AppliedLookupError,
  DeadLetterOptionsError,
  DeadLetterQueueNotFoundError,
} from './errors.ts';
export { type ExportedDeadLetter, exportDeadLetters } from './export.ts';
export type { ReplayLedger } from './ledger.ts';
export { type DeadLetterRead, type ReadDeadLettersOptions, readDeadLetters, readDefaults } from './read.ts';
export {
  ReplayAttribute,
  type ReplayEntry,
  type ReplayOptions,
  type ReplayReport,
  replayDeadLetters,
  replayDefaults,
} from './replay.ts';
export { type NamedDeadLetterQueue, type ResolveOptions, resolveDeadLetterQueues } from './resolve-queues.ts';
export { type AppIdempotencyTables, idempotencyTablesOf } from './resolve-tables.ts';
export { type DeadLetterStats, deadLetterStats } from './stats.ts';
