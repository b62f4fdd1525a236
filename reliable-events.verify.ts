// The example app's proof, as a scenario of `reliable-events verify` (what `npm start` runs):
// orders on the FIFO orders queue, one group per customer; CapturePayment's effects are the
// payments (a `captures` count per order) and each customer's ledger (the order of the effects).
import { paginateScan } from '@aws-sdk/lib-dynamodb';
import { defineScenario, type ScenarioContext } from './lib/verify/index.ts';

type Order = { orderId: string; customerId: string; amountCents: number; currency: string };

const unrelayed = async ({ documents, table }: ScenarioContext) => {
  let count = 0;
  const pages = paginateScan(
    { client: documents },
    { TableName: table('Outbox'), Select: 'COUNT', FilterExpression: 'attribute_not_exists(sentAt)' },
  );
  for await (const page of pages) count += page.Count ?? 0;
  return count;
};

export default defineScenario({
  queue: 'OrdersQueueUrl',
  defaults: { messages: 10_000, groups: 50 },
  message: (i, { groups, random }) => {
    const order: Order = {
      orderId: `order-${i + 1}`,
      customerId: `customer-${Math.floor(random() * groups)}`,
      amountCents: 100 + Math.floor(random() * 9_900),
      currency: 'EUR',
    };
    return { key: order.orderId, group: order.customerId, body: order };
  },
  // An amount the consumer's schema rejects.
  poison: ({ body }) => JSON.stringify({ ...(body as Order), amountCents: -(body as Order).amountCents }),
  effects: async ({ scan }) =>
    new Map((await scan('Payments')).map((p) => [String(p.pk), Number(p.captures ?? 1)])),
  // The ledger is appended in the payment's transaction, so it records the order of the effects.
  order: async ({ scan }) =>
    new Map((await scan('Ledger')).map((l) => [String(l.pk), (l.paidOrders as string[] | undefined) ?? []])),
  pending: unrelayed,
  checks: async (context) => {
    const payments = (await context.scan('Payments')).map((p) => String(p.pk));
    const sentAt = new Map((await context.scan('Outbox')).map((e) => [String(e.id), e.sentAt]));
    const notified = new Set((await context.scan('Notifications')).map((n) => String(n.pk)));
    const notRelayed = payments.filter((id) => typeof sentAt.get(`order-paid-${id}`) !== 'number').length;
    const notNotified = payments.filter((id) => !notified.has(id)).length;
    const relayed = context.metrics('RelayOrderEvents').MessagesSent;
    return [
      {
        name: 'every payment relayed and notified',
        ok: notRelayed === 0 && notNotified === 0,
        detail: `${notRelayed} unrelayed, ${notNotified} unnotified`,
      },
      {
        name: 'MessagesSent (relay) covers the relayed events',
        ok: relayed >= payments.length - notRelayed,
        detail: `${relayed} ≥ ${payments.length - notRelayed}`,
      },
    ];
  },
  variants: {
    unprotected: {
      context: { deliveryMode: 'at-least-once' },
      description: 'CapturePayment without idempotency: the proof must fail with duplicate effects',
    },
    unordered: {
      context: { ordering: 'none' },
      description:
        "CapturePayment runs a batch's records concurrently: the proof must fail with orders out of sequence",
    },
    unfenced: {
      context: { fence: 'off' },
      description:
        'CapturePayment without the FIFO fence: a late invocation commits after its group moved on, and the proof must fail with orders out of sequence',
    },
    'park-group': {
      context: { onDeadLetter: 'park-group' },
      description:
        "CapturePayment parks a customer's later orders behind a dead-lettered one until it is replayed (with --outage and --replay)",
    },
    'without-backoff': {
      context: { retryBackoff: 'off' },
      description:
        "CapturePayment without the retry backoff: every returned order waits out the queue's visibility timeout",
    },
    optimistic: {
      context: { idempotencyCommit: 'optimistic' },
      description: 'CapturePayment commits optimistically: one request per order',
    },
    'effect-conditional': {
      context: { idempotencyCommit: 'effect-conditional' },
      description: "CapturePayment keeps no record: the payment's update carries the idempotency condition",
    },
    'group-commit': {
      context: { groupCommit: 'true' },
      description: "CapturePayment commits a customer's orders of one batch in shared transactions",
    },
  },
});
