// The example app's proof, as a scenario of `reliable-events verify` (what `npm start` runs):
// orders on the FIFO orders queue, one group per customer; CapturePayment's effects are the
// payments (a `captures` count per order) and each customer's ledger (the order of the effects).
import { BatchGetCommand, paginateScan } from '@aws-sdk/lib-dynamodb';
import { OUTBOX_PREFIX } from './lib/producer/index.ts';
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

// How many of `keys` have no item in `table`, or one `counts` rejects, asked 100 keys at a time
// (BatchGetItem's limit), so a check holds a page of keys, not the table.
const missingFrom = async (
  { documents, table }: ScenarioContext,
  name: string,
  keys: readonly Record<string, unknown>[],
  { attributes = [] as string[], counts = (_: Record<string, unknown>): boolean => true } = {},
) => {
  let found = 0;
  const names = Object.fromEntries(
    [...Object.keys(keys[0] ?? {}), ...attributes].map((attribute, i) => [`#a${i}`, attribute]),
  );
  for (let start = 0; start < keys.length; start += 100) {
    let asked = keys.slice(start, start + 100);
    for (let attempt = 0; asked.length > 0; attempt++) {
      if (attempt === 10) throw new Error(`${name}: BatchGetItem left keys unprocessed 10 times`);
      const RequestItems = {
        [table(name)]: {
          Keys: asked,
          ProjectionExpression: Object.keys(names).join(', '),
          ExpressionAttributeNames: names,
          ConsistentRead: true,
        },
      };
      const { Responses, UnprocessedKeys } = await documents.send(new BatchGetCommand({ RequestItems }));
      found += (Responses?.[table(name)] ?? []).filter(counts).length;
      asked = UnprocessedKeys?.[table(name)]?.Keys ?? [];
    }
  }
  return keys.length - found;
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
  // Read a page at a time: a long run does not hold every payment at once.
  effects: async function* ({ pages }) {
    for await (const page of pages('Payments'))
      for (const p of page) yield [String(p.pk), Number(p.captures ?? 1)] as const;
  },
  // The ledger is appended in the payment's transaction, so it records the order of the effects.
  order: async function* ({ pages }) {
    for await (const page of pages('Ledger'))
      for (const l of page) yield [String(l.pk), (l.paidOrders as string[] | undefined) ?? []] as const;
  },
  pending: unrelayed,
  checks: async (context) => {
    let payments = 0;
    let notNotified = 0;
    let notRelayed = 0;
    for await (const page of context.pages('Payments')) {
      payments += page.length;
      notNotified += await missingFrom(
        context,
        'Notifications',
        page.map((p) => ({ pk: String(p.pk) })),
      );
      // Its event, written in its transaction (the outbox keys it by customer and id), relayed: it has sentAt.
      notRelayed += await missingFrom(
        context,
        'Outbox',
        page.map((p) => ({
          pk: `${OUTBOX_PREFIX}${String(p.customerId)}`,
          sk: `order-paid-${String(p.pk)}`,
        })),
        { attributes: ['sentAt'], counts: (event) => typeof event.sentAt === 'number' },
      );
    }
    const relayed = context.metrics('RelayOrderEvents').MessagesSent;
    return [
      {
        name: 'every payment relayed and notified',
        ok: notRelayed === 0 && notNotified === 0,
        detail: `${notRelayed} unrelayed, ${notNotified} unnotified`,
      },
      {
        name: 'MessagesSent (relay) covers the relayed events',
        ok: relayed >= payments - notRelayed,
        detail: `${relayed} ≥ ${payments - notRelayed}`,
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
