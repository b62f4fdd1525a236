import { fileURLToPath } from 'node:url';
import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
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
};

/**
 * The example pipeline: orders on a FIFO queue grouped by customer; a consumer that captures
 * each payment exactly once (its write, the idempotency record and an "order paid" outbox
 * entry in one transaction); a relay from the outbox stream to a second FIFO queue; an
 * at-least-once notifier on that queue; alarms and a dashboard over all of it.
 */
export class OrderPaymentStack extends Stack {
  constructor(scope: Construct, id: string, props: OrderPaymentStackProps = {}) {
    super(scope, id, props);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    const orders = new ReliableQueue(this, 'Orders', { maxReceiveCount: 5, removalPolicy });
    const orderEvents = new ReliableQueue(this, 'OrderEvents', { maxReceiveCount: 5, removalPolicy });
    const idempotency = new IdempotencyTable(this, 'Idempotency', { removalPolicy });
    const outbox = new OutboxTable(this, 'Outbox', { removalPolicy });
    const payments = dataTable(this, 'Payments', removalPolicy);
    const notifications = dataTable(this, 'Notifications', removalPolicy);

    const capturePayment = new ReliableConsumer(this, 'CapturePayment', {
      entry: handlerFile('capture-payment.ts'),
      queue: orders,
      idempotencyTable: idempotency.table,
      tables: {
        PAYMENTS_TABLE: { table: payments, access: 'write' },
        OUTBOX_TABLE: { table: outbox.table, access: 'write' },
      },
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
