// The contenders of `npm run bench`: each builds a Lambda handler for the same FIFO workload, an
// order whose payment is captured exactly once. To add one, add an entry to `contenders`.
import { processPartialResponse, SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { dynamoDBStore, type IdempotencyOptions, updateOncePerKey } from '../lib/idempotency/index.ts';
import { type SqsBatchOptions, type SqsMessage, sqsBatch } from '../lib/sqs/index.ts';

export type Order = { orderId: string; customerId: string; amountCents: number; seq: number };

export type Workload = {
  documents: DynamoDBDocumentClient;
  tables: { idempotency: string; payments: string };
  /** Call when the order's effect is issued, so the bench can check per-group order. */
  issued: (order: Order) => void;
  /** The FIFO fence (`--fence on`, the default): in the run's idempotency table, for every mode. */
  fence?: boolean;
};

export type Handler = (event: SQSEvent, context: Context) => Promise<unknown>;

export type Contender = {
  /** Short, unique: `--contenders` selects by it. */
  id: string;
  name: string;
  build: (workload: Workload) => Handler;
};

/**
 * The effect, the same single-item write for everyone: `captures` counts how often it landed, so
 * a duplicate effect shows as 2.
 */
export const captureOf = (tables: Workload['tables'], order: Order) => ({
  TableName: tables.payments,
  Key: { pk: order.orderId },
  UpdateExpression: 'SET customerId = :c, amountCents = :a ADD captures :one',
  ExpressionAttributeValues: { ':c': order.customerId, ':a': order.amountCents, ':one': 1 },
});

const silent = { info() {}, warn() {}, error() {} };

type Options = Omit<SqsBatchOptions<Order>, 'idempotency'> & {
  idempotency?: Partial<IdempotencyOptions<SqsMessage<Order>>>;
};

/**
 * `sqsBatch` with idempotency, `options` merged over the bench's (keyed by order id; a store on
 * the run's table, or in the effect-conditional mode no record: the capture itself carries the
 * idempotency condition, through `updateOncePerKey`). Otherwise the capture joins the transaction
 * that completes the record.
 */
const reliableEvents = (id: string, name: string, options: Options): Contender => ({
  id,
  name,
  build: ({ documents, tables, issued, fence = true }) => {
    const conditional = options.idempotency?.mode === 'effect-conditional';
    return sqsBatch<Order>(
      async ({ body }, { transaction }) => {
        issued(body);
        const capture = captureOf(tables, body);
        transaction.update(conditional ? updateOncePerKey(capture) : capture);
      },
      {
        metrics: false,
        logger: silent,
        // The effect-conditional mode keeps no store: its fence goes to the idempotency table too.
        fence: fence ? { tableName: tables.idempotency } : false,
        ...options,
        idempotency: {
          ...(conditional
            ? { client: documents }
            : { store: dynamoDBStore({ tableName: tables.idempotency, client: documents }) }),
          key: (message: SqsMessage<Order>) => message.body.orderId,
          ...options.idempotency,
        },
      },
    );
  },
});

/**
 * Powertools for AWS Lambda (TypeScript): SqsFifoPartialProcessorAsync with skipGroupOnError and
 * makeIdempotent on DynamoDB. Its record cannot join the effect's write, so it writes the record
 * (in progress), the effect, then completes the record.
 */
const powertools: Contender = {
  id: 'powertools',
  name: 'Powertools',
  build: ({ documents, tables, issued }) => {
    const config = new IdempotencyConfig({ eventKeyJmesPath: 'powertools_json(body).orderId' });
    const capture = makeIdempotent(
      async (record: SQSRecord) => {
        const order = JSON.parse(record.body) as Order;
        issued(order);
        await documents.send(new UpdateCommand(captureOf(tables, order)));
      },
      {
        persistenceStore: new DynamoDBPersistenceLayer({
          tableName: tables.idempotency,
          keyAttr: 'pk',
          awsSdkV3Client: documents as never,
        }),
        config,
      },
    );
    return async (event, context) => {
      config.registerLambdaContext(context);
      return processPartialResponse(event, capture, new SqsFifoPartialProcessorAsync(), {
        context,
        skipGroupOnError: true,
      });
    };
  },
};

/** In table order; ratios are to the entry with id `powertools`. */
export const contenders: Contender[] = [
  powertools,
  reliableEvents('lease', 'reliable-events, lease', { idempotency: { optimistic: false } }),
  reliableEvents('optimistic', 'reliable-events, optimistic', { idempotency: { optimistic: true } }),
  reliableEvents('group-commit', 'reliable-events, group commit', {
    idempotency: { optimistic: true },
    groupCommit: true,
  }),
  reliableEvents('effect-conditional', 'reliable-events, effect-cond.', {
    idempotency: { mode: 'effect-conditional' },
  }),
  reliableEvents('effect-conditional-group', 'reliable-events, eff.-cond. + group', {
    idempotency: { mode: 'effect-conditional' },
    groupCommit: true,
  }),
  // No record per key: the group's fence item holds its recent keys (group commit implied).
  reliableEvents('group-window', 'reliable-events, group window', {
    idempotency: { record: 'group-window' },
  }),
];
