import { DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { type DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import type { LocalDeployment } from '../../lib/local/index.ts';
import { DeadLetterAttribute } from '../../lib/sqs/index.ts';
import type { PlannedOrder, SentWorkload } from './workload.ts';

/** What the effect tables and the dead-letter queue say, with no help from the toolkit's counters. */
export type GroundTruth = {
  /** Orders with a payment. */
  effects: number;
  /** Non-poison orders with no payment. */
  lost: number;
  /** Payments applied more than once (the sum of the extra applications). */
  duplicateEffects: number;
  /** Poison orders that nevertheless got a payment. */
  poisonEffects: number;
  /** Places where a customer's ledger has an order before one that was sent earlier. */
  orderViolations: number;
  /** Orders in a customer's ledger more than once (the extra entries). */
  ledgerDuplicates: number;
  /** Messages in the orders' dead-letter queue. */
  deadLettered: number;
  /** Poison orders not found in the dead-letter queue. */
  poisonMissingFromDlq: number;
  /** Non-poison orders found in the dead-letter queue. */
  goodOrdersInDlq: number;
  /** Paid orders whose "order paid" event is missing from the outbox or was never relayed. */
  unrelayed: number;
  /** Paid orders with no notification. */
  unnotified: number;
  /** Messages left in the event queues' dead-letter queues. */
  eventsDeadLettered: number;
};

const tableOf = (deployment: LocalDeployment, prefix: string) => {
  const table = deployment.tables.find((t) => t.logicalId.startsWith(prefix));
  if (!table) throw new Error(`The deployment has no ${prefix} table`);
  return table.name;
};

const scanAll = async (documents: DynamoDBDocumentClient, TableName: string) => {
  const items: Record<string, unknown>[] = [];
  for await (const page of paginateScan({ client: documents }, { TableName, ConsistentRead: true }))
    items.push(...(page.Items ?? []));
  return items;
};

/** Reads every message off a queue (deleting it: the run is over), at most `limit` and 30 s. */
export const drainQueue = async (sqs: SQSClient, QueueUrl: string, limit: number) => {
  const messages: { messageId: string; body: string; sourceMessageId?: string }[] = [];
  const deadline = Date.now() + 30_000;
  for (let empty = 0; empty < 2 && messages.length < limit && Date.now() < deadline; ) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        MessageAttributeNames: ['All'],
      }),
    );
    empty = Messages.length === 0 ? empty + 1 : 0;
    for (const m of Messages) {
      const source = m.MessageAttributes?.[DeadLetterAttribute.SourceMessageId]?.StringValue;
      messages.push({
        messageId: m.MessageId ?? '',
        body: m.Body ?? '',
        ...(source ? { sourceMessageId: source } : {}),
      });
    }
    if (Messages.length > 0)
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl,
          Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
        }),
      );
  }
  return messages;
};

/** Counts, per customer, the places where an order comes before one of its customer's earlier orders. */
export const orderViolationsOf = (
  ledger: readonly string[],
  seqOf: (orderId: string) => number | undefined,
) => {
  const seen = new Set<string>();
  let violations = 0;
  let duplicates = 0;
  let last = 0;
  for (const orderId of ledger) {
    if (seen.has(orderId)) {
      duplicates += 1;
      continue;
    }
    seen.add(orderId);
    const seq = seqOf(orderId) ?? 0;
    if (seq < last) violations += 1;
    last = Math.max(last, seq);
  }
  return { violations, duplicates };
};

export const checkPipeline = async (input: {
  documents: DynamoDBDocumentClient;
  sqs: SQSClient;
  deployment: LocalDeployment;
  orders: readonly PlannedOrder[];
  sent: SentWorkload;
}): Promise<GroundTruth> => {
  const { documents, sqs, deployment, orders, sent } = input;
  const byId = new Map(orders.map((o) => [o.orderId, o]));
  const [payments, ledgers, outbox, notifications] = await Promise.all(
    ['Payments', 'Ledger', 'Outbox', 'Notifications'].map((prefix) =>
      scanAll(documents, tableOf(deployment, prefix)),
    ),
  );

  const captures = new Map(payments!.map((p) => [String(p.pk), Number(p.captures ?? 1)]));
  let lost = 0;
  let duplicateEffects = 0;
  let poisonEffects = 0;
  for (const order of orders) {
    const times = captures.get(order.orderId) ?? 0;
    if (order.poison) poisonEffects += times > 0 ? 1 : 0;
    else if (times === 0) lost += 1;
    duplicateEffects += Math.max(0, times - 1);
  }

  let orderViolations = 0;
  let ledgerDuplicates = 0;
  for (const ledger of ledgers!) {
    const found = orderViolationsOf(
      (ledger.paidOrders as string[] | undefined) ?? [],
      (id) => byId.get(id)?.seq,
    );
    orderViolations += found.violations;
    ledgerDuplicates += found.duplicates;
  }

  const sentAt = new Map(outbox!.map((e) => [String(e.id), e.sentAt]));
  const notified = new Set(notifications!.map((n) => String(n.pk)));
  let unrelayed = 0;
  let unnotified = 0;
  for (const orderId of captures.keys()) {
    if (typeof sentAt.get(`order-paid-${orderId}`) !== 'number') unrelayed += 1;
    if (!notified.has(orderId)) unnotified += 1;
  }

  const queue = (prefix: string) => deployment.queues.find((q) => q.logicalId.startsWith(prefix))!.url;
  const dlq = await drainQueue(sqs, queue('OrdersDeadLetter'), sent.messages + 10);
  const eventsDlq = await drainQueue(sqs, queue('OrderEventsDeadLetter'), sent.messages + 10);
  const inDlq = new Set(
    dlq.map(
      (m) =>
        sent.orderOfMessage.get(m.sourceMessageId ?? m.messageId) ??
        /"orderId":"([^"]+)"/.exec(m.body)?.[1] ??
        'unknown',
    ),
  );
  const poison = orders.filter((o) => o.poison);
  return {
    effects: captures.size,
    lost,
    duplicateEffects,
    poisonEffects,
    orderViolations,
    ledgerDuplicates,
    deadLettered: dlq.length,
    poisonMissingFromDlq: poison.filter((o) => !inDlq.has(o.orderId)).length,
    goodOrdersInDlq: [...inDlq].filter((id) => byId.has(id) && !byId.get(id)!.poison).length,
    unrelayed,
    unnotified,
    eventsDeadLettered: eventsDlq.length,
  };
};
