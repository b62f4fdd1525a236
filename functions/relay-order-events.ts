// Relays "order paid" events from the outbox table's stream to the order-events queue.
import { createProducer, outboxRelay } from '../lib/producer/index.ts';
import { env } from './env.ts';

export const handler = outboxRelay({ producer: createProducer({ queueUrl: env('EVENTS_QUEUE_URL') }) });
