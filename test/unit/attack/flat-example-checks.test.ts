import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import type { ScenarioContext } from '../../../lib/verify/scenario.ts';
import scenario from '../../../reliable-events.verify.ts';

// Attacks on the example scenario's own checks, as they read its tables a page at a time.

type Item = Record<string, unknown>;
const contextOf = (
  tables: Record<string, Item[]>,
  options: { unprocessedOnce?: boolean; pageSize?: number } = {},
) => {
  let unprocessed = options.unprocessedOnce ?? false;
  const documents = {
    send: async (command: unknown) => {
      if (!(command instanceof BatchGetCommand)) throw new Error('only BatchGetItem is mocked');
      const Responses: Record<string, Item[]> = {};
      const UnprocessedKeys: Record<string, { Keys: Item[] }> = {};
      for (const [name, request] of Object.entries(command.input.RequestItems ?? {})) {
        const keys = (request.Keys ?? []) as Item[];
        // DynamoDB may leave some keys unprocessed: the first half, once.
        const asked = unprocessed ? keys.slice(Math.ceil(keys.length / 2)) : keys;
        if (unprocessed && keys.length > 1) {
          UnprocessedKeys[name] = { Keys: keys.slice(0, Math.ceil(keys.length / 2)) };
          unprocessed = false;
        }
        Responses[name] = (tables[name] ?? []).filter((item) =>
          asked.some((key) => Object.entries(key).every(([attribute, value]) => item[attribute] === value)),
        );
      }
      return { Responses, UnprocessedKeys };
    },
  };
  return {
    documents,
    table: (name: string) => name,
    async *pages(name: string) {
      const items = tables[name] ?? [];
      const size = options.pageSize ?? 2;
      for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
    },
    scan: async (name: string) => tables[name] ?? [],
    metrics: () => ({ MessagesSent: 10 }),
  } as unknown as ScenarioContext;
};

// The outbox keys an event by its ordering key (the customer) and its id.
const customerOf = (id: string) => `customer-${id.length % 2}`;
const payments = (...ids: string[]) => ids.map((pk) => ({ pk, customerId: customerOf(pk), captures: 1 }));
const event = (id: string) => ({
  pk: `outbox#${customerOf(id)}`,
  sk: `order-paid-${id}`,
  id: `order-paid-${id}`,
});
const events = (...ids: string[]) => ids.map((id) => ({ ...event(id), sentAt: 1 }));
const notified = (...ids: string[]) => ids.map((pk) => ({ pk }));
const everyPayment = async (context: ScenarioContext) => (await scenario.checks!(context))[0]!;

describe("the example scenario's checks", () => {
  it('pass when every payment has its relayed event and its notification (keys left unprocessed once)', async () => {
    const ids = ['order-1', 'order-2', 'order-3'];
    const context = contextOf(
      { Payments: payments(...ids), Outbox: events(...ids), Notifications: notified(...ids) },
      { unprocessedOnce: true },
    );
    expect(await everyPayment(context)).toMatchObject({ ok: true });
  });

  it('fail on a payment whose notification is missing, even when BatchGetItem leaves keys unprocessed', async () => {
    const context = contextOf(
      {
        Payments: payments('order-1', 'order-2', 'order-3'),
        Outbox: events('order-1', 'order-2', 'order-3'),
        Notifications: notified('order-1', 'order-3'),
      },
      { unprocessedOnce: true },
    );
    expect(await everyPayment(context)).toMatchObject({ ok: false, detail: '0 unrelayed, 1 unnotified' });
  });

  it('fail on a payment with no event, though another order has an event and no payment', async () => {
    // order-1's event was never written; an event names order-9, which has no payment (an event
    // written under the wrong id, say). The count of events equals the count of payments.
    const context = contextOf({
      Payments: payments('order-1', 'order-2'),
      Outbox: events('order-2', 'order-9'),
      Notifications: notified('order-1', 'order-2'),
    });
    expect(await everyPayment(context)).toMatchObject({ ok: false, detail: '1 unrelayed, 0 unnotified' });
  });

  it('fail on a payment whose event was not sent', async () => {
    const context = contextOf({
      Payments: payments('order-1', 'order-2'),
      Outbox: [...events('order-1'), event('order-2')],
      Notifications: notified('order-1', 'order-2'),
    });
    expect(await everyPayment(context)).toMatchObject({ ok: false, detail: '1 unrelayed, 0 unnotified' });
  });
});
