export { DeadLetterAttribute } from './dead-letter.ts';
export {
  type ParseOption,
  parseRecord,
  type RecordContext,
  type RecordHandler,
  type SqsMessage,
} from './message.ts';
export { type SqsBatchOptions, sqsBatchDefaults } from './options.ts';
export type { RecordOutcome } from './outcome.ts';
export type { SequenceGuardOptions } from './sequence-guard.ts';
export { dynamoDBSequenceStore, memorySequenceStore, type SequenceStore } from './sequence-store.ts';
export { sqsBatch } from './sqs-batch.ts';
