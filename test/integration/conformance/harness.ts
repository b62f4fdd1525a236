import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { NonRetryableError } from '../../../lib/errors.ts';
import { dynamoDBStore, updateOncePerKey } from '../../../lib/idempotency/index.ts';
import { localClientConfig } from '../../../lib/local/index.ts';
import { createReliabilityMetrics, memorySink } from '../../../lib/metrics/index.ts';
import { sqsBatch } from '../../../lib/sqs/index.ts';
import { createTable, localClients, uniqueName } from '../../support/local.ts';
import { captureLogger, lambdaContext, sqsEvent, sqsRecord } from '../../support/sqs-events.ts';
import type { Combination } from './combinations.ts';

const { stack, dynamodb, documents, sqs } = localClients();

/** What a test message asks its handler to do. */
export type Order = {
  id: string;
  amount: number;
  /** Throw a retryable error, or a NonRetryableError. */
  fail?: 'retry' | 'poison';
  /** Plain puts beside the effect. */
  extra?: number;
  /** One put of an item this many bytes large. */
  bigItem?: number;
  /** This many puts of `bytes` each. */
  bigTotal?: { items: number; bytes: number };
  /** Two writes on one item: two updates (keys known), or two puts (key schema unseen). */
  sameItem?: 'update' | 'put';
  /** A put holding values the SDK marshals: BigInt, Set, binary, nested maps. */
  sdkValues?: boolean;
  /** The effect's own condition fails, registered as 'retry' or 'dead-letter'. */
  condition?: 'retry' | 'dead-letter';
  /** The effect's expression uses placeholders named like a keyword (`#set`, `:set`). */
  keyword?: boolean;
  /** Poison (NonRetryableError) until `reliable-events dlq replay` sends it back, fixed. */
  poisonUntilReplayed?: boolean;
};

export type Fault = 'lost-response' | 'sdk-retry-after-landing' | 'before-sending';

/** Tables shared by one combination's tests (each test uses its own ids). */
export type Tables = { idempotency: string; payments: string; ledger: string };

export const createTables = async (): Promise<Tables> => ({
  idempotency: await createTable(dynamodb, 'conf-idem'),
  payments: await createTable(dynamodb, 'conf-pay'),
  ledger: await createTable(dynamodb, 'conf-ledger'),
});

/** A DynamoDB client whose next commit request (after `arm`) fails as the fault says. */
const faultyClient = () => {
  const client = new DynamoDBClient(localClientConfig(stack, stack.dynamodb.endpoint));
  let armed: Fault | undefined;
  const isCommit = (command: string, input: { Item?: { status?: string } }) =>
    command === 'TransactWriteItemsCommand' ||
    command === 'UpdateItemCommand' ||
    (command === 'PutItemCommand' && JSON.stringify(input.Item ?? {}).includes('"COMPLETED"'));
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const fault = armed;
      if (!fault || !isCommit(String(context.commandName), args.input as never)) return next(args);
      armed = undefined;
      if (fault === 'before-sending') throw new Error('socket hang up before the request was written');
      await next(args);
      if (fault === 'lost-response') throw new Error('socket hang up after the request was written');
      // A timeout the SDK retries: the same request is sent again after the first landed.
      throw Object.assign(new Error('timed out'), { name: 'TimeoutError', $metadata: {} });
    },
    { step: 'deserialize', name: 'conformanceFault' },
  );
  const arm = (fault: Fault) => {
    armed = fault;
  };
  return { client, arm };
};

/** An SQS client whose sends fail: the dead-letter queue is unreachable. */
const failingSqsClient = () => {
  const client = new SQSClient(localClientConfig(stack, stack.sqs.endpoint));
  client.middlewareStack.add(
    () => async () => {
      throw Object.assign(new Error('dead-letter queue unreachable'), { name: 'ServiceUnavailable' });
    },
    { step: 'initialize', name: 'failSends' },
  );
  return client;
};

export type ConsumerOptions = {
  deadLetter?: 'queue' | 'none' | 'failing';
  onFailure?: 'skip-group' | 'stop-batch';
  concurrency?: number;
  /** Remaining time of the invocation, asked by the time guard. */
  remaining?: () => number;
  /** Called as each handler starts, with the order's id; the handler waits for what it returns. */
  onRun?: (id: string) => unknown;
  /** The FIFO fence (default: on, in the idempotency table). */
  fence?: false;
  onDeadLetter?: 'continue' | 'park-group';
  /** The queue's redrive maxReceiveCount, as ReliableConsumer passes it (MAX_RECEIVE_COUNT). */
  maxReceiveCount?: number;
};

let counter = 0;

/** An `sqsBatch` consumer of `Order`s in the combination's configuration, on DynamoDB Local and the local SQS. */
export const createConsumer = async (
  combination: Combination,
  tables: Tables,
  options: ConsumerOptions = {},
) => {
  const prefix = `c${++counter}-${uniqueName('t').slice(2)}`;
  const faults = faultyClient();
  const sink = memorySink();
  const logs = captureLogger();
  const runs: string[] = [];
  const deadLetter = options.deadLetter ?? 'queue';
  const fifo = combination.queue === 'fifo';
  const dlqName = `${uniqueName('conf-dlq')}${fifo ? '.fifo' : ''}`;
  const { QueueUrl: dlqUrl } = await sqs.send(
    new CreateQueueCommand({ QueueName: dlqName, Attributes: fifo ? { FifoQueue: 'true' } : {} }),
  );
  const effectConditional = combination.mode === 'effect-conditional';

  // As ReliableConsumer passes the redrive policy's maxReceiveCount to its function.
  const previousMax = process.env.MAX_RECEIVE_COUNT;
  if (options.maxReceiveCount) process.env.MAX_RECEIVE_COUNT = String(options.maxReceiveCount);
  const handler = sqsBatch<Order>(
    async ({ body, attributes }, { transaction }) => {
      runs.push(body.id);
      if (body.poisonUntilReplayed && !attributes['reliable-events.replay-of'])
        throw new NonRetryableError(
          'the order can never be paid (until its cause is fixed and it is replayed)',
        );
      await options.onRun?.(body.id);
      if (body.fail === 'retry') throw new Error('downstream unavailable');
      if (body.fail === 'poison') throw new NonRetryableError('the order can never be paid');
      const names: Record<string, string> = {};
      if (body.keyword) names['#set'] = 'captures';
      if (body.condition) names['#never'] = 'neverWritten';
      const update = {
        TableName: tables.payments,
        Key: { pk: body.id },
        // `#set`/`:set` before the SET keyword: what the guard's SET clause must not be joined to.
        UpdateExpression: body.keyword
          ? 'ADD #set :set SET amount = :amount'
          : 'SET amount = :amount ADD captures :set',
        ExpressionAttributeValues: { ':amount': body.amount, ':set': 1 },
        ...(Object.keys(names).length > 0 && { ExpressionAttributeNames: names }),
        ...(body.condition && { ConditionExpression: 'attribute_exists(#never)' }),
      };
      transaction.update(effectConditional ? updateOncePerKey(update) : update, {
        onConditionFailure: body.condition === 'dead-letter' ? 'dead-letter' : 'retry',
      });
      for (let i = 0; i < (body.extra ?? 0); i++)
        transaction.put({ TableName: tables.ledger, Item: { pk: `${body.id}#${i}` } });
      if (body.bigItem)
        transaction.put({
          TableName: tables.ledger,
          Item: { pk: `${body.id}#big`, data: 'x'.repeat(body.bigItem) },
        });
      for (let i = 0; i < (body.bigTotal?.items ?? 0); i++)
        transaction.put({
          TableName: tables.ledger,
          Item: { pk: `${body.id}#part${i}`, data: 'y'.repeat(body.bigTotal?.bytes ?? 0) },
        });
      if (body.sameItem === 'update')
        for (const n of [1, 2])
          transaction.update({
            TableName: tables.ledger,
            Key: { pk: `${body.id}#same` },
            UpdateExpression: 'SET n = :n',
            ExpressionAttributeValues: { ':n': n },
          });
      if (body.sameItem === 'put')
        for (const n of [1, 2])
          transaction.put({ TableName: tables.ledger, Item: { pk: `${body.id}#same`, n } });
      if (body.sdkValues)
        transaction.put({
          TableName: tables.ledger,
          Item: {
            pk: `${body.id}#values`,
            big: 2n ** 70n,
            tags: new Set(['a', 'b']),
            blob: new Uint8Array([1, 2, 3]),
            nested: { a: { b: [1, { c: 'd' }] } },
          },
        });
      return { paid: body.id };
    },
    {
      idempotency: effectConditional
        ? { mode: 'effect-conditional', key: (m) => m.body.id, client: faults.client }
        : combination.mode === 'group-window'
          ? {
              store: dynamoDBStore({ tableName: tables.idempotency, client: faults.client }),
              key: (m) => m.body.id,
              record: 'group-window',
            }
          : {
              store: dynamoDBStore({ tableName: tables.idempotency, client: faults.client }),
              key: (m) => m.body.id,
              fingerprint: (m) => m.body,
              optimistic: combination.mode === 'optimistic',
            },
      groupCommit: combination.groupCommit,
      // Effect-conditional keeps no records; its FIFO fences live in the idempotency table all the same.
      fence: options.fence ?? { tableName: tables.idempotency },
      ordering: fifo ? 'fifo' : 'none',
      onFailure: options.onFailure ?? 'skip-group',
      ...(options.onDeadLetter && { onDeadLetter: options.onDeadLetter }),
      concurrency: options.concurrency ?? 10,
      ...(deadLetter === 'queue' && { deadLetterQueueUrl: dlqUrl }),
      ...(deadLetter === 'failing' && {
        deadLetterQueueUrl: dlqUrl,
        sqsClient: failingSqsClient(),
      }),
      ...(deadLetter === 'queue' && { sqsClient: sqs }),
      metrics: createReliabilityMetrics({ sink }),
      logger: logs.logger,
    },
  );

  if (previousMax === undefined) delete process.env.MAX_RECEIVE_COUNT;
  else process.env.MAX_RECEIVE_COUNT = previousMax;

  /** One message: FIFO ones in group `group` (default `g1`), standard ones alone. */
  const message = (order: Omit<Order, 'id'> & { id: string }, group = 'g1'): SQSRecord =>
    sqsRecord(
      `${prefix}-m-${order.id}-${counter++}`,
      { ...order, id: `${prefix}-${order.id}` },
      fifo ? { group } : {},
    );
  /** What `reliable-events dlq replay` sends back for a dead-lettered record: a new message of its group, marked. */
  const replayOf = (record: SQSRecord): SQSRecord =>
    sqsRecord(`${record.messageId}-replayed`, JSON.parse(record.body), {
      ...(fifo ? { group: record.attributes.MessageGroupId } : {}),
      attributes: {
        'reliable-events.replay-of': {
          dataType: 'String',
          stringValue: record.messageId,
          stringListValues: [],
          binaryListValues: [],
        },
      },
    });
  /** A message whose body is not JSON (poison that never reaches the handler). */
  const garbage = (name: string, group = 'g1'): SQSRecord =>
    sqsRecord(`${prefix}-m-${name}-${counter++}`, '{not json', { raw: true, ...(fifo ? { group } : {}) });

  const invoke = (records: SQSRecord[]): Promise<SQSBatchResponse> =>
    handler(sqsEvent(...records), lambdaContext(options.remaining));

  /** Delivers the records, then (as SQS would) every record reported for retry, in order, until none is (at most 6 rounds). */
  const drain = async (records: SQSRecord[]) => {
    const responses: SQSBatchResponse[] = [];
    let batch = records;
    for (let round = 0; batch.length > 0 && round < 6; round++) {
      const response = await invoke(batch);
      responses.push(response);
      const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
      batch = batch
        .filter((record) => failed.has(record.messageId))
        .map((record) => ({
          ...record,
          attributes: {
            ...record.attributes,
            ApproximateReceiveCount: String(Number(record.attributes.ApproximateReceiveCount) + 1),
          },
        }));
    }
    return { responses, left: batch };
  };

  /** How many times an order's effect was applied (0: never). */
  const captures = async (id: string): Promise<number> => {
    const { Item } = await documents.send(
      new GetCommand({ TableName: tables.payments, Key: { pk: `${prefix}-${id}` }, ConsistentRead: true }),
    );
    return Number(Item?.captures ?? 0);
  };
  const ledgerItem = async (key: string) =>
    (
      await documents.send(
        new GetCommand({ TableName: tables.ledger, Key: { pk: `${prefix}-${key}` }, ConsistentRead: true }),
      )
    ).Item;

  /** The messages in the dead-letter queue: their source message ids and error names. */
  const deadLettered = async (): Promise<{ messageId: string; error: string }[]> => {
    if (!dlqUrl) return [];
    const found: { messageId: string; error: string }[] = [];
    for (let round = 0; round < 20; round++) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: dlqUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 0,
          MessageAttributeNames: ['All'],
        }),
      );
      if (Messages.length === 0) break;
      for (const m of Messages)
        found.push({
          messageId: String(m.MessageAttributes?.['reliable-events.source-message-id']?.StringValue),
          error: String(m.MessageAttributes?.['reliable-events.error-name']?.StringValue),
        });
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: dlqUrl,
          Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
    }
    return found;
  };

  /** Writes a COMPLETED record for an order that expired `agoS` seconds ago, owned by another call. */
  const expiredRecord = async (id: string, agoS = 60) =>
    documents.send(
      new PutCommand({
        TableName: tables.idempotency,
        Item: {
          pk: `${prefix}-${id}`,
          status: 'COMPLETED',
          owner: 'an-earlier-call',
          leaseExpiresAt: 0,
          expiresAt: Math.floor(Date.now() / 1000) - agoS,
        },
      }),
    );

  return {
    invoke,
    drain,
    message,
    replayOf,
    garbage,
    captures,
    ledgerItem,
    deadLettered,
    expiredRecord,
    arm: faults.arm,
    runs,
    totals: () => sink.totals(),
    logs,
    /** The ids a response reported for retry. */
    failed: (response: SQSBatchResponse) => response.batchItemFailures.map((f) => f.itemIdentifier),
    /** An order's id as the handler sees it. */
    idOf: (id: string) => `${prefix}-${id}`,
  };
};

export type Consumer = Awaited<ReturnType<typeof createConsumer>>;
