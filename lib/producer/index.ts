export {
  type AttributeInput,
  MAX_BATCH_BYTES,
  MAX_MESSAGE_BYTES,
  type OutgoingMessage,
  ProducerAttribute,
} from './message.ts';
export { OUTBOX_PREFIX, type OutboxItem, type OutboxOptions, outbox } from './outbox.ts';
export { type OutboxRelayOptions, outboxRelay } from './outbox-relay.ts';
export {
  createProducer,
  type Producer,
  type ProducerOptions,
  producerDefaults,
  type SendResult,
} from './producer.ts';
export { dynamoDBSequenceCounter, memorySequenceCounter, type SequenceCounter } from './sequence-counter.ts';
