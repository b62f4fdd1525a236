import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';

export type IdempotencyTableProps = {
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
  /** @default undefined (a generated name) */
  readonly tableName?: string;
};

/**
 * The table `dynamoDBStore` and `dynamoDBSequenceStore` expect: partition key `pk` (string),
 * TTL on `expiresAt`, on-demand capacity, point-in-time recovery, encrypted at rest.
 *
 * @example
 * const idempotency = new IdempotencyTable(this, 'Idempotency');
 * idempotency.table.tableName;
 */
export class IdempotencyTable extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: IdempotencyTableProps = {}) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      ...(props.tableName ? { tableName: props.tableName } : {}),
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: 'expiresAt',
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
  }
}
