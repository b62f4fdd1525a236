export { IdempotencyTable, type IdempotencyTableProps } from './idempotency-table.ts';
export { OutboxRelay, type OutboxRelayProps } from './outbox-relay.ts';
export { OutboxTable, type OutboxTableProps } from './outbox-table.ts';
export { type MonitoredPipe, ReliabilityAlarms, type ReliabilityAlarmsProps } from './reliability-alarms.ts';
export { ReliableConsumer, type ReliableConsumerProps, type TableAccess } from './reliable-consumer.ts';
export {
  HANDLER_METADATA,
  ReliableFunction,
  type ReliableFunctionProps,
  reliableFunctionDefaults,
} from './reliable-function.ts';
export { ReliableQueue, type ReliableQueueProps, reliableQueueDefaults } from './reliable-queue.ts';
