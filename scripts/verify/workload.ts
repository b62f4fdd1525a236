import type { Producer } from '../../lib/producer/index.ts';
import type { FaultRates } from './options.ts';

/** One order of the workload. `seq` is its place among its customer's orders (1, 2, 3…). */
export type PlannedOrder = {
  orderId: string;
  customerId: string;
  seq: number;
  amountCents: number;
  /** Poison: a body that is not JSON, or one the consumer's schema rejects. */
  poison?: 'not-json' | 'invalid';
  /** Sent a second time later, under a new message id. */
  resend: boolean;
};

/** What was sent: every message id SQS assigned, mapped to its order. */
export type SentWorkload = {
  messages: number;
  resent: number;
  orderOfMessage: Map<string, string>;
};

/** The orders, in sending order: customers drawn at random, each customer's orders numbered in turn. */
export const planOrders = (
  options: { orders: number; groups: number; rates: Pick<FaultRates, 'poison' | 'producerResend'> },
  random: () => number,
): PlannedOrder[] => {
  const next = new Map<string, number>();
  return Array.from({ length: options.orders }, (_, i) => {
    const customerId = `customer-${Math.floor(random() * options.groups)}`;
    const seq = (next.get(customerId) ?? 0) + 1;
    next.set(customerId, seq);
    const poisoned = random() < options.rates.poison;
    const order: PlannedOrder = {
      orderId: `order-${i + 1}`,
      customerId,
      seq,
      amountCents: 100 + Math.floor(random() * 9_900),
      resend: !poisoned && random() < options.rates.producerResend,
    };
    if (poisoned) order.poison = random() < 0.5 ? 'not-json' : 'invalid';
    return order;
  });
};

/** The message body of an order, as a producer with a bug upstream would send a poison one. */
export const bodyOf = (order: PlannedOrder): string => {
  const body = {
    orderId: order.orderId,
    customerId: order.customerId,
    amountCents: order.poison === 'invalid' ? -order.amountCents : order.amountCents,
    currency: 'EUR',
  };
  const json = JSON.stringify(body);
  return order.poison === 'not-json' ? json.slice(0, -8) : json;
};

/**
 * Sends the orders through the producer in chunks, in order within each customer. After each
 * chunk, the previous chunk's resend orders go again under a new id: SQS cannot deduplicate
 * them (as after its 5-minute window), so only the consumer can.
 */
export const sendOrders = async (
  producer: Producer,
  orders: readonly PlannedOrder[],
  onProgress: (sent: number) => void = () => {},
  chunkSize = 250,
): Promise<SentWorkload> => {
  const orderOfMessage = new Map<string, string>();
  let messages = 0;
  let resent = 0;
  const send = async (batch: { id: string; order: PlannedOrder }[]) => {
    const { sent } = await producer.send(
      batch.map(({ id, order }) => ({ id, orderingKey: order.customerId, body: bodyOf(order) })),
    );
    const byId = new Map(batch.map(({ id, order }) => [id, order.orderId]));
    for (const { id, messageId } of sent) orderOfMessage.set(messageId, byId.get(id)!);
    messages += sent.length;
    onProgress(messages);
  };
  let previous: PlannedOrder[] = [];
  for (let i = 0; i < orders.length; i += chunkSize) {
    const chunk = orders.slice(i, i + chunkSize);
    await send(chunk.map((order) => ({ id: order.orderId, order })));
    const again = previous.filter((order) => order.resend);
    if (again.length > 0) await send(again.map((order) => ({ id: `${order.orderId}-resent`, order })));
    resent += again.length;
    previous = chunk;
  }
  const last = previous.filter((order) => order.resend);
  if (last.length > 0) await send(last.map((order) => ({ id: `${order.orderId}-resent`, order })));
  return { messages, resent: resent + last.length, orderOfMessage };
};
