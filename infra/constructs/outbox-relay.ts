import { Duration, Validations } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as lambdaEvents from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { OutboxTable } from './outbox-table.ts';
import { propChecks } from './prop-checks.ts';
import { checkFunctionProps, ReliableFunction, type ReliableFunctionProps } from './reliable-function.ts';
import type { ReliableQueue } from './reliable-queue.ts';

export type OutboxRelayProps = Omit<ReliableFunctionProps, 'serviceName'> & {
  readonly outbox: OutboxTable;
  /** Where the outbox messages go, as `EVENTS_QUEUE_URL`. */
  readonly queue: ReliableQueue;
  /** @default the construct id */
  readonly serviceName?: string;
  /** Stream retries of a failing batch before its records go to `failures`. @default 10 */
  readonly retryAttempts?: number;
};

/**
 * The function that relays the outbox table's stream to a queue (its handler is
 * `outboxRelay({ producer })`), with partial batch responses and an on-failure queue for
 * stream records that kept failing.
 *
 * @example
 * new OutboxRelay(this, 'Relay', { entry: 'functions/relay-order-events.ts', outbox, queue: orderEvents });
 */
export class OutboxRelay extends Construct {
  readonly fn: ReliableFunction['fn'];
  readonly failures: sqs.Queue;
  readonly queue: ReliableQueue;
  readonly serviceName: string;

  constructor(scope: Construct, id: string, props: OutboxRelayProps) {
    super(scope, id);
    const owner = `OutboxRelay ${id}`;
    checkFunctionProps(owner, props);
    const check = propChecks(owner);
    if (typeof props.outbox?.table?.grant !== 'function')
      check.must('outbox', 'an OutboxTable', props.outbox);
    if (typeof props.queue?.queue?.queueUrl !== 'string') check.must('queue', 'a ReliableQueue', props.queue);
    if (props.serviceName !== undefined) check.string('serviceName', props.serviceName);
    // MaximumRetryAttempts of a stream mapping: -1 (until the record expires) to 10000.
    // https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html
    if (props.retryAttempts !== undefined) check.integer('retryAttempts', props.retryAttempts, -1, 10_000);
    this.queue = props.queue;
    this.serviceName = props.serviceName ?? id;
    const relay = new ReliableFunction(this, 'Handler', {
      ...props,
      serviceName: this.serviceName,
      environment: { ...props.environment, EVENTS_QUEUE_URL: props.queue.queue.queueUrl },
    });
    this.fn = relay.fn;
    Validations.of(relay.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'dynamodb:ListStreams, granted by the stream event source, has no resource-level permissions: IAM requires "*" for it. ' +
        'Every other statement of this role names its table, stream or queue.',
    });
    this.failures = new sqs.Queue(this, 'Failures', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.failures).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself a dead-letter destination: the on-failure destination of the outbox stream.',
    });
    props.queue.queue.grantSendMessages(this.fn);
    props.outbox.table.grant(this.fn, 'dynamodb:UpdateItem');
    this.fn.addEventSource(
      new lambdaEvents.DynamoEventSource(props.outbox.table, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        reportBatchItemFailures: true,
        retryAttempts: props.retryAttempts ?? 10,
        onFailure: new lambdaEvents.SqsDlq(this.failures),
      }),
    );
  }
}
