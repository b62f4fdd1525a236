import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';

export type OutboxTableProps = {
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
};

/**
 * The table `outbox()` writes to and `outboxRelay` reads the stream of: `pk` and `sk`
 * (strings), TTL on `expiresAt`, a stream of new images, on-demand, point-in-time recovery.
 *
 * @example
 * const outbox = new OutboxTable(this, 'Outbox');
 * outbox.table.tableStreamArn;
 */
export class OutboxTable extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: OutboxTableProps = {}) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: 'expiresAt',
      stream: dynamodb.StreamViewType.NEW_IMAGE,
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
  }
}
