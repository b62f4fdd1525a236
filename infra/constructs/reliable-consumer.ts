import { Duration, Token } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambdaEvents from 'aws-cdk-lib/aws-lambda-event-sources';
import { Construct } from 'constructs';
import { ConfigurationError } from '../../lib/errors.ts';
import { ReliableFunction, type ReliableFunctionProps } from './reliable-function.ts';
import type { ReliableQueue } from './reliable-queue.ts';

/** A table the handler uses, and what it may do there. */
export type TableAccess = {
  readonly table: dynamodb.ITable;
  /** `'read'`: GetItem/Query; `'write'`: Put/Update/Delete/ConditionCheck; `'read-write'`: both. */
  readonly access: 'read' | 'write' | 'read-write';
};

export type ReliableConsumerProps = Omit<ReliableFunctionProps, 'serviceName'> & {
  readonly queue: ReliableQueue;
  /** @default the construct id */
  readonly serviceName?: string;
  /** Records per batch; at most 10 on FIFO queues. @default 10 */
  readonly batchSize?: number;
  /** Concurrent invocations the event source may use (2–1000). @default undefined (no cap) */
  readonly maxConcurrency?: number;
  /** Standard queues only. @default undefined */
  readonly maxBatchingWindow?: Duration;
  /** The idempotency table, as `IDEMPOTENCY_TABLE`. @default undefined */
  readonly idempotencyTable?: dynamodb.ITable;
  /** Further tables, each as the environment variable named by its key. @default {} */
  readonly tables?: Record<string, TableAccess>;
  /** Give the handler the queue's DLQ as `DEAD_LETTER_QUEUE_URL`, for poison records. @default true */
  readonly deadLetterPoison?: boolean;
};

// The idempotency store's requests: claim/complete (PutItem, in TransactWriteItems too), release
// (DeleteItem), the sequence guard (GetItem, UpdateItem), and condition checks in transactions.
const RECORD_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:ConditionCheckItem',
];
const READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:Query'];
const WRITE_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:ConditionCheckItem',
];

const seconds = (duration: Duration) => (Token.isUnresolved(duration) ? undefined : duration.toSeconds());

/**
 * A Lambda function consuming a `ReliableQueue` with partial batch responses, least-privilege
 * grants, and the classic SQS mistakes rejected at synth time instead of at deploy time.
 *
 * @example
 * new ReliableConsumer(this, 'CapturePayment', {
 *   entry: 'functions/capture-payment.ts',
 *   queue: orders,
 *   idempotencyTable: idempotency.table,
 *   tables: { PAYMENTS_TABLE: { table: payments, access: 'write' } },
 * });
 */
export class ReliableConsumer extends Construct {
  readonly fn: ReliableFunction['fn'];
  readonly function: ReliableFunction;
  readonly eventSource: lambdaEvents.SqsEventSource;
  readonly queue: ReliableQueue;
  readonly serviceName: string;

  constructor(scope: Construct, id: string, props: ReliableConsumerProps) {
    super(scope, id);
    const { queue } = props;
    const batchSize = props.batchSize ?? 10;
    const fail = (message: string): never => {
      throw new ConfigurationError(`ReliableConsumer ${id}: ${message}`);
    };
    const timeout = props.timeout ?? Duration.seconds(30);
    const [visibility, functionTimeout] = [seconds(queue.visibilityTimeout), seconds(timeout)];
    // https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html recommends a visibility
    // timeout of at least six times the function timeout, so retries of a throttled batch do not overlap.
    if (visibility !== undefined && functionTimeout !== undefined && visibility < 6 * functionTimeout) {
      fail(
        `the queue's visibility timeout (${visibility} s) is less than 6 × the function timeout (${functionTimeout} s). ` +
          `Set visibilityTimeout: Duration.seconds(${6 * functionTimeout}) or more on the ReliableQueue, or shorten the function timeout.`,
      );
    }
    if (queue.fifo && props.maxBatchingWindow) {
      fail(
        'FIFO queues do not support a batching window (maxBatchingWindow); remove it, or use a standard queue.',
      );
    }
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > (queue.fifo ? 10 : 10_000)) {
      fail(
        `batchSize must be an integer from 1 to ${queue.fifo ? '10 on a FIFO queue' : '10000'}, received ${batchSize}.`,
      );
    }
    if (!queue.fifo && batchSize > 10 && !props.maxBatchingWindow) {
      fail(`a batchSize over 10 (${batchSize}) needs a maxBatchingWindow of at least 1 second.`);
    }
    if (
      props.maxConcurrency !== undefined &&
      (!Number.isInteger(props.maxConcurrency) || props.maxConcurrency < 2 || props.maxConcurrency > 1000)
    ) {
      fail(`maxConcurrency must be an integer from 2 to 1000, received ${props.maxConcurrency}.`);
    }
    if (queue.deadLetterQueue.fifo !== queue.fifo) {
      fail(`a ${queue.fifo ? 'FIFO' : 'standard'} queue needs a dead-letter queue of the same type.`);
    }

    this.queue = queue;
    this.serviceName = props.serviceName ?? id;
    const deadLetterPoison = props.deadLetterPoison ?? true;
    const environment: Record<string, string> = { ...props.environment };
    if (props.idempotencyTable) environment.IDEMPOTENCY_TABLE = props.idempotencyTable.tableName;
    for (const [name, { table }] of Object.entries(props.tables ?? {})) environment[name] = table.tableName;
    if (deadLetterPoison) environment.DEAD_LETTER_QUEUE_URL = queue.deadLetterQueue.queueUrl;

    this.function = new ReliableFunction(this, 'Handler', {
      ...props,
      timeout,
      serviceName: this.serviceName,
      environment,
    });
    this.fn = this.function.fn;
    props.idempotencyTable?.grant(this.fn, ...RECORD_ACTIONS);
    for (const { table, access } of Object.values(props.tables ?? {})) {
      const actions =
        access === 'read'
          ? READ_ACTIONS
          : access === 'write'
            ? WRITE_ACTIONS
            : [...READ_ACTIONS, ...WRITE_ACTIONS];
      table.grant(this.fn, ...actions);
    }
    if (deadLetterPoison) queue.deadLetterQueue.grantSendMessages(this.fn);

    this.eventSource = new lambdaEvents.SqsEventSource(queue.queue, {
      batchSize,
      reportBatchItemFailures: true,
      ...(props.maxConcurrency === undefined ? {} : { maxConcurrency: props.maxConcurrency }),
      ...(props.maxBatchingWindow ? { maxBatchingWindow: props.maxBatchingWindow } : {}),
    });
    this.fn.addEventSource(this.eventSource);
  }
}
