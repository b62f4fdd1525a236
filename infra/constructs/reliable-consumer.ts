import { Duration, Token } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambdaEvents from 'aws-cdk-lib/aws-lambda-event-sources';
import { Construct } from 'constructs';
import { DEAD_LETTER_QUEUE_URL_ENV, QUEUE_URL_ENV } from '../../lib/sqs/environment.ts';
import { propChecks } from './prop-checks.ts';
import { checkFunctionProps, ReliableFunction, type ReliableFunctionProps } from './reliable-function.ts';
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
const isReliableQueue = (queue: unknown): queue is ReliableQueue =>
  typeof (queue as ReliableQueue | undefined)?.queue?.queueArn === 'string' &&
  typeof (queue as ReliableQueue).deadLetterQueue?.queueArn === 'string';

/** Lambda's and SQS's rules for the function and its event source mapping, checked at synth. */
const checkConsumerProps = (owner: string, props: ReliableConsumerProps): void => {
  checkFunctionProps(owner, props);
  const check = propChecks(owner);
  const { queue } = props;
  if (!isReliableQueue(queue)) check.must('queue', 'a ReliableQueue', queue);
  if (props.serviceName !== undefined) check.string('serviceName', props.serviceName);
  if (props.idempotencyTable !== undefined) check.table('idempotencyTable', props.idempotencyTable);
  for (const [name, grant] of Object.entries(props.tables ?? {})) {
    check.table(`tables.${name}.table`, grant?.table);
    if (!['read', 'write', 'read-write'].includes(grant.access))
      check.must(`tables.${name}.access`, "'read', 'write' or 'read-write'", grant.access);
  }
  const batchSize = props.batchSize ?? 10;
  const timeout = props.timeout ?? Duration.seconds(30);
  const [visibility, functionTimeout] = [seconds(queue.visibilityTimeout), seconds(timeout)];
  // https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html recommends a visibility
  // timeout of at least six times the function timeout, so retries of a throttled batch do not overlap.
  if (visibility !== undefined && functionTimeout !== undefined && visibility < 6 * functionTimeout) {
    check.fail(
      `the queue's visibility timeout (${visibility} s) is less than 6 × the function timeout (${functionTimeout} s). ` +
        `Set visibilityTimeout: Duration.seconds(${6 * functionTimeout}) or more on the ReliableQueue, or shorten the function timeout.`,
    );
  }
  if (queue.fifo && props.maxBatchingWindow) {
    check.fail(
      'FIFO queues do not support a batching window (maxBatchingWindow); remove it, or use a standard queue.',
    );
  }
  // MaximumBatchingWindowInSeconds: 0 to 300 (CreateEventSourceMapping in the Lambda API reference).
  if (props.maxBatchingWindow !== undefined)
    check.duration('maxBatchingWindow', props.maxBatchingWindow, 0, 300, " (Lambda's limit)");
  check.integer('batchSize', batchSize, 1, queue.fifo ? 10 : 10_000, queue.fifo ? ' on a FIFO queue' : '');
  if (!queue.fifo && batchSize > 10 && !props.maxBatchingWindow) {
    check.fail(`a batchSize over 10 (${batchSize}) needs a maxBatchingWindow of at least 1 second.`);
  }
  if (props.maxConcurrency !== undefined) check.integer('maxConcurrency', props.maxConcurrency, 2, 1000);
  if (queue.deadLetterQueue.fifo !== queue.fifo) {
    check.fail(`a ${queue.fifo ? 'FIFO' : 'standard'} queue needs a dead-letter queue of the same type.`);
  }
};

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
    checkConsumerProps(`ReliableConsumer ${id}`, props);
    const { queue } = props;
    const batchSize = props.batchSize ?? 10;
    const timeout = props.timeout ?? Duration.seconds(30);

    this.queue = queue;
    this.serviceName = props.serviceName ?? id;
    const deadLetterPoison = props.deadLetterPoison ?? true;
    const environment: Record<string, string> = { ...props.environment };
    if (props.idempotencyTable) environment.IDEMPOTENCY_TABLE = props.idempotencyTable.tableName;
    for (const [name, { table }] of Object.entries(props.tables ?? {})) environment[name] = table.tableName;
    if (deadLetterPoison) environment[DEAD_LETTER_QUEUE_URL_ENV] = queue.deadLetterQueue.queueUrl;
    // sqsBatch's sequence guard stops holding a record on its last receive before the redrive.
    environment.MAX_RECEIVE_COUNT = String(queue.maxReceiveCount);
    // sqsBatch's retry backoff sets returned records' visibility there (the event source's grant covers it).
    environment[QUEUE_URL_ENV] = queue.queue.queueUrl;

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
