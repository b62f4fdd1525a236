import { ArnFormat, Duration, Names, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ConfigurationError } from '../../lib/errors.ts';
import { propChecks } from './prop-checks.ts';

export type ReliableQueueProps = {
  /** @default true */
  readonly fifo?: boolean;
  /** Receives before a message moves to the dead-letter queue. @default 5 */
  readonly maxReceiveCount?: number;
  /** Must be at least 6 × the consuming function's timeout (`ReliableConsumer` checks). @default Duration.minutes(3) */
  readonly visibilityTimeout?: Duration;
  /** @default Duration.days(4) */
  readonly retentionPeriod?: Duration;
  /** FIFO: deduplicate by a SHA-256 of the body when the producer sends no deduplication id. @default false */
  readonly contentBasedDeduplication?: boolean;
  /** FIFO: high-throughput mode (deduplication and throughput per message group). @default false */
  readonly highThroughput?: boolean;
  /** Use this dead-letter queue instead of creating one; it must be of the same type. @default a new queue */
  readonly deadLetterQueue?: sqs.IQueue;
  /** @default RemovalPolicy.RETAIN: messages are data */
  readonly removalPolicy?: RemovalPolicy;
};

export const reliableQueueDefaults = {
  fifo: true,
  maxReceiveCount: 5,
  visibilityTimeout: Duration.minutes(3),
  retentionPeriod: Duration.days(4),
  // The longest SQS keeps a message: a dead letter needs a human, and humans take weekends off.
  deadLetterRetention: Duration.days(14),
  removalPolicy: RemovalPolicy.RETAIN,
} as const;

/**
 * An SQS queue (FIFO by default) with a dead-letter queue of the same type, server-side
 * encryption, a policy that denies any access without TLS, and a DLQ that only this queue
 * may redrive into.
 *
 * @example
 * const orders = new ReliableQueue(this, 'Orders', { maxReceiveCount: 3, highThroughput: true });
 * orders.queue; orders.deadLetterQueue;
 */
export class ReliableQueue extends Construct {
  readonly queue: sqs.Queue;
  /** The queue's name, known at synthesis: what `reliable-events dlq stats|replay <name>` takes. */
  readonly queueName: string;
  readonly deadLetterQueue: sqs.IQueue;
  readonly fifo: boolean;
  readonly maxReceiveCount: number;
  readonly visibilityTimeout: Duration;

  constructor(scope: Construct, id: string, props: ReliableQueueProps = {}) {
    super(scope, id);
    const fifo = props.fifo ?? reliableQueueDefaults.fifo;
    const maxReceiveCount = props.maxReceiveCount ?? reliableQueueDefaults.maxReceiveCount;
    const check = propChecks(`ReliableQueue ${id}`);
    check.integer('maxReceiveCount', maxReceiveCount, 1, 1000);
    // SQS: a visibility timeout of 0 s to 12 hours, a retention period of 1 minute to 14 days.
    // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html
    if (props.visibilityTimeout !== undefined)
      check.duration('visibilityTimeout', props.visibilityTimeout, 0, 43_200, " (SQS's limit)");
    if (props.retentionPeriod !== undefined)
      check.duration('retentionPeriod', props.retentionPeriod, 60, 1_209_600, " (SQS's limit)");
    if (props.deadLetterQueue !== undefined && typeof props.deadLetterQueue?.queueArn !== 'string')
      check.must('deadLetterQueue', 'an SQS queue (sqs.IQueue)', props.deadLetterQueue);
    if (!fifo && (props.contentBasedDeduplication || props.highThroughput)) {
      throw new ConfigurationError(
        `ReliableQueue ${id}: contentBasedDeduplication and highThroughput apply to FIFO queues only; remove them or set fifo: true.`,
      );
    }
    if (props.deadLetterQueue && props.deadLetterQueue.fifo !== fifo) {
      throw new ConfigurationError(
        `ReliableQueue ${id}: a ${fifo ? 'FIFO' : 'standard'} queue needs a ${fifo ? 'FIFO' : 'standard'} dead-letter queue, ` +
          `but ${props.deadLetterQueue.node.id} is ${props.deadLetterQueue.fifo ? 'FIFO' : 'standard'} (SQS rejects the pair at deploy time).`,
      );
    }
    const removalPolicy = props.removalPolicy ?? reliableQueueDefaults.removalPolicy;
    const suffix = fifo ? '.fifo' : '';
    // An explicit name lets the DLQ's redrive-allow policy name its source by ARN without a
    // reference back to the queue, which would make a CloudFormation dependency cycle.
    const queueName = `${Names.uniqueResourceName(this, { maxLength: 80 - suffix.length })}${suffix}`;
    const sourceArn = Stack.of(this).formatArn({
      service: 'sqs',
      resource: queueName,
      arnFormat: ArnFormat.NO_RESOURCE_NAME,
    });

    this.fifo = fifo;
    this.queueName = queueName;
    this.maxReceiveCount = maxReceiveCount;
    this.visibilityTimeout = props.visibilityTimeout ?? reliableQueueDefaults.visibilityTimeout;
    this.deadLetterQueue =
      props.deadLetterQueue ??
      new sqs.Queue(this, 'DeadLetterQueue', {
        fifo: fifo || undefined,
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: reliableQueueDefaults.deadLetterRetention,
        redriveAllowPolicy: {
          redrivePermission: sqs.RedrivePermission.BY_QUEUE,
          sourceQueues: [sqs.Queue.fromQueueArn(this, 'Source', sourceArn)],
        },
        removalPolicy,
      });
    this.queue = new sqs.Queue(this, 'Queue', {
      queueName,
      fifo: fifo || undefined,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: this.visibilityTimeout,
      retentionPeriod: props.retentionPeriod ?? reliableQueueDefaults.retentionPeriod,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount },
      ...(fifo && props.contentBasedDeduplication ? { contentBasedDeduplication: true } : {}),
      ...(fifo && props.highThroughput
        ? {
            deduplicationScope: sqs.DeduplicationScope.MESSAGE_GROUP,
            fifoThroughputLimit: sqs.FifoThroughputLimit.PER_MESSAGE_GROUP_ID,
          }
        : {}),
      removalPolicy,
    });
  }

  /**
   * Lets `grantee` run `reliable-events dlq stats|show|replay|export` (or `replayDeadLetters`) on
   * this queue and nothing more: receive, delete and change the visibility of the dead-letter
   * queue's messages and read its attributes; send to this queue and read its attributes (the
   * command finds the DLQ through the redrive policy); and the KMS actions a customer-managed key
   * on either queue needs (SQS: a sender needs kms:GenerateDataKey and kms:Decrypt, a receiver
   * kms:Decrypt — https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html).
   * With `ledger`, also the conditional put and update a replay ledger makes. With
   * `idempotencyTable`, the strongly consistent reads that report a message the consumer already
   * applied (`--applied`, `--idempotency-table`); with `discard` as well, the update `dlq discard`
   * makes to a group's park, on this queue's fence items only (`dynamodb:LeadingKeys` `fence#<queue name>#*`), with the KMS actions a customer-managed key on the table needs.
   *
   * @example
   * orders.grantDeadLetterReplay(operatorRole, { idempotencyTable: idempotency.table });
   */
  grantDeadLetterReplay(
    grantee: iam.IGrantable,
    options: {
      /** @default none */
      readonly ledger?: dynamodb.ITable;
      /** The consumer's idempotency table, where records and fence items live. @default none: no DynamoDB read */
      readonly idempotencyTable?: dynamodb.ITable;
      /** `dlq discard`: may move a group's park (needs `idempotencyTable`). @default false */
      readonly discard?: boolean;
    } = {},
  ): iam.Grant {
    if (options.discard && !options.idempotencyTable)
      throw new ConfigurationError(
        'grantDeadLetterReplay: discard moves a park in the idempotency table; pass idempotencyTable too.',
      );
    const grants = [
      this.deadLetterQueue.grant(
        grantee,
        'sqs:ReceiveMessage',
        'sqs:DeleteMessage',
        'sqs:ChangeMessageVisibility',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
      ),
      this.queue.grant(grantee, 'sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'),
    ];
    const dlqKey = this.deadLetterQueue.encryptionMasterKey;
    if (dlqKey) grants.push(dlqKey.grant(grantee, 'kms:Decrypt'));
    const queueKey = this.queue.encryptionMasterKey;
    if (queueKey) grants.push(queueKey.grant(grantee, 'kms:GenerateDataKey', 'kms:Decrypt'));
    if (options.ledger) grants.push(options.ledger.grant(grantee, 'dynamodb:PutItem', 'dynamodb:UpdateItem'));
    const table = options.idempotencyTable;
    if (table) grants.push(table.grant(grantee, 'dynamodb:GetItem', 'dynamodb:BatchGetItem'));
    // Table.grant leaves a customer-managed key out: the reads need kms:Decrypt on it.
    if (table?.encryptionKey)
      grants.push(table.encryptionKey.grant(grantee, 'kms:Decrypt', 'kms:DescribeKey'));
    if (table && options.discard) {
      // Only this queue's fence items (`fence#<queue name>#<group>`, the queue name as the consumer
      // reads it from the event source ARN), never an idempotency record nor another queue's park.
      // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html
      grants.push(
        iam.Grant.addToPrincipal({
          grantee,
          actions: ['dynamodb:UpdateItem'],
          resourceArns: [table.tableArn],
          conditions: {
            'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`fence#${this.queue.queueName}#*`] },
          },
        }),
      );
      if (table.encryptionKey)
        grants.push(
          table.encryptionKey.grant(grantee, 'kms:Encrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'),
        );
    }
    return grants.reduce((all, grant) => all.combine(grant));
  }
}
