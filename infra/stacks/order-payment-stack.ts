import { fileURLToPath } from 'node:url';
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import {
  IdempotencyTable,
  OutboxRelay,
  OutboxTable,
  ReliabilityAlarms,
  ReliableConsumer,
  ReliableQueue,
} from '../constructs/index.ts';

const handlerFile = (name: string) => fileURLToPath(new URL(`../../functions/${name}`, import.meta.url));

const dataTable = (scope: Construct, id: string, removalPolicy: RemovalPolicy) =>
  new dynamodb.Table(scope, id, {
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    encryption: dynamodb.TableEncryption.AWS_MANAGED,
    removalPolicy,
  });

export type OrderPaymentStackProps = StackProps & {
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * The consumers' timeout; the queues' visibility timeout is six times it. A local run
   * shortens it so redeliveries come back in seconds.
   * @default Duration.seconds(30)
   */
  readonly functionTimeout?: Duration;
  /**
   * How CapturePayment treats a repeated order: `'exactly-once'` (the idempotency record commits
   * with the payment), or `'at-least-once'`, with no protection, to show what duplicates do.
   * @default 'exactly-once'
   */
  readonly deliveryMode?: 'exactly-once' | 'at-least-once';
  /**
   * How an exactly-once CapturePayment commits: claim a lease first (`'lease'`, two requests per
   * order), run and put the record with the effects in one transaction (`'optimistic'`, one), or
   * keep no record: the payment's own update carries the idempotency condition
   * (`'effect-conditional'`, one transaction of three writes instead of four).
   * @default 'lease'
   */
  readonly idempotencyCommit?: 'lease' | 'optimistic' | 'effect-conditional';
  /**
   * Commit the orders of one customer that run back to back in shared transactions (sqsBatch's
   * `groupCommit`); with `'lease'` the commit becomes optimistic, as group commit needs.
   * @default false
   */
  readonly groupCommit?: boolean;
  /**
   * CapturePayment's batch ordering: `'auto'` keeps each customer's orders in order on the FIFO
   * queue; `'none'` runs a batch's records concurrently, a mutation the proof must catch.
   * @default 'auto'
   */
  readonly ordering?: 'auto' | 'none';
  /**
   * CapturePayment's FIFO fence: `'off'` lets a late invocation's commit land after its group moved
   * on, a mutation the proof must catch.
   * @default 'on'
   */
  readonly fence?: 'on' | 'off';
  /**
   * What CapturePayment does after it dead-letters an order: `'continue'` with the customer's next,
   * or `'park-group'`: the customer's later orders follow it to the DLQ, in order, until a replay.
   * @default 'continue'
   */
  readonly onDeadLetter?: 'continue' | 'park-group';
  /** CapturePayment's retry backoff (sqsBatch's `retryBackoff`): `'off'` to measure what it saves. @default 'on' */
  readonly retryBackoff?: 'on' | 'off';
};

export const orderPaymentDefaults = {
  removalPolicy: RemovalPolicy.RETAIN,
  functionTimeout: Duration.seconds(30),
  deliveryMode: 'exactly-once',
  idempotencyCommit: 'lease',
  groupCommit: false,
  ordering: 'auto',
  fence: 'on',
  onDeadLetter: 'continue',
  retryBackoff: 'on',
} as const;

/**
 * The example pipeline: orders on a FIFO queue grouped by customer; a consumer that captures
 * each payment exactly once (the payment, the customer's ledger entry, the idempotency record
 * and an "order paid" outbox entry in one transaction); a relay from the outbox stream to a
 * second FIFO queue; an at-least-once notifier on that queue; alarms and a dashboard over all of it.
 */
export class OrderPaymentStack extends Stack {
  constructor(scope: Construct, id: string, props: OrderPaymentStackProps = {}) {
    super(scope, id, props);
    const removalPolicy = props.removalPolicy ?? orderPaymentDefaults.removalPolicy;
    const timeout = props.functionTimeout ?? orderPaymentDefaults.functionTimeout;
    const queueProps = {
      maxReceiveCount: 5,
      removalPolicy,
      visibilityTimeout: Duration.seconds(timeout.toSeconds() * 6),
    };

    const orders = new ReliableQueue(this, 'Orders', queueProps);
    const orderEvents = new ReliableQueue(this, 'OrderEvents', queueProps);
    const idempotency = new IdempotencyTable(this, 'Idempotency', { removalPolicy });
    const outbox = new OutboxTable(this, 'Outbox', { removalPolicy });
    const payments = dataTable(this, 'Payments', removalPolicy);
    const notifications = dataTable(this, 'Notifications', removalPolicy);
    // One item per customer: the balance and the paid orders in the order they were captured.
    const ledger = dataTable(this, 'Ledger', removalPolicy);

    const capturePayment = new ReliableConsumer(this, 'CapturePayment', {
      entry: handlerFile('capture-payment.ts'),
      queue: orders,
      idempotencyTable: idempotency.table,
      tables: {
        PAYMENTS_TABLE: { table: payments, access: 'write' },
        LEDGER_TABLE: { table: ledger, access: 'write' },
        OUTBOX_TABLE: { table: outbox.table, access: 'write' },
      },
      environment: {
        DELIVERY_MODE: props.deliveryMode ?? orderPaymentDefaults.deliveryMode,
        IDEMPOTENCY_COMMIT: props.idempotencyCommit ?? orderPaymentDefaults.idempotencyCommit,
        GROUP_COMMIT: String(props.groupCommit ?? orderPaymentDefaults.groupCommit),
        ORDERING: props.ordering ?? orderPaymentDefaults.ordering,
        FENCE: props.fence ?? orderPaymentDefaults.fence,
        ON_DEAD_LETTER: props.onDeadLetter ?? orderPaymentDefaults.onDeadLetter,
        RETRY_BACKOFF: props.retryBackoff ?? orderPaymentDefaults.retryBackoff,
      },
      timeout,
      maxConcurrency: 10,
    });
    const relay = new OutboxRelay(this, 'RelayOrderEvents', {
      entry: handlerFile('relay-order-events.ts'),
      outbox,
      queue: orderEvents,
    });
    const notifier = new ReliableConsumer(this, 'NotifyCustomer', {
      entry: handlerFile('notify-customer.ts'),
      queue: orderEvents,
      tables: { NOTIFICATIONS_TABLE: { table: notifications, access: 'write' } },
      timeout,
    });
    const alarms = new ReliabilityAlarms(this, 'Reliability', {
      consumers: [capturePayment, notifier],
      producers: [relay],
    });

    new CfnOutput(this, 'OrdersQueueUrl', { value: orders.queue.queueUrl });
    new CfnOutput(this, 'OrderEventsQueueUrl', { value: orderEvents.queue.queueUrl });
    new CfnOutput(this, 'AlarmTopicArn', { value: alarms.topic.topicArn });
  }
}
