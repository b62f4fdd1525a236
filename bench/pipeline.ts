// The order pipeline's consumer stage, without faults, side by side with Powertools for AWS Lambda
// (TypeScript) in the same run, on the same local services: orders on a FIFO queue of the SQS
// emulator → the local event source (10 pollers, batches of 10, partial batch responses) → each
// order captured exactly once (payment, customer ledger entry, "order paid" outbox entry) in
// DynamoDB Local. Every contender gets fresh tables and a fresh queue holding the same orders.
//   npm run bench                          (BENCH_N=1000 orders per run, BENCH_LATENCY_MS=5)
//   npm run bench -- --json bench.json     also writes the figures
// Each configuration runs twice: on DynamoDB Local as it is, and with BENCH_LATENCY_MS added to
// every DynamoDB request by a proxy, for both contenders alike. DynamoDB Local runs its writes on
// about one thread, so concurrent requests queue inside it; in the cloud a request's time is
// mostly a network wait that concurrent requests overlap (in-region DynamoDB answers in
// single-digit milliseconds: https://aws.amazon.com/dynamodb/). Figures compare contenders within one run.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { processPartialResponse, SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { CreateQueueCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, paginateScan, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { dynamoDBStore } from '../lib/idempotency/index.ts';
import {
  localClientConfig,
  startFaultProxy,
  startLocalStack,
  startSqsEventSource,
} from '../lib/local/index.ts';
import { outbox } from '../lib/producer/index.ts';
import { type SqsMessage, sqsBatch } from '../lib/sqs/index.ts';
import { countedDynamoDB, createTable } from './support.ts';

const { values } = parseArgs({ options: { json: { type: 'string' } } });
const N = Number(process.env.BENCH_N ?? 1000);
const GROUPS = [10, 1];
const LATENCIES = [0, Number(process.env.BENCH_LATENCY_MS ?? 5)];
const stack = await startLocalStack();
const sqs = new SQSClient(localClientConfig(stack, stack.sqs.endpoint));
const silent = { info() {}, warn() {}, error() {} };
let runs = 0;

type Order = { orderId: string; customerId: string; amountCents: number; currency: string };
type Tables = { idempotency: string; payments: string; ledger: string; outbox: string };

/** The effects of capturing one order: the same three writes for every contender. */
const effectsOf = (tables: Tables, order: Order) => [
  {
    Update: {
      TableName: tables.payments,
      Key: { pk: order.orderId },
      UpdateExpression: 'SET customerId = :c, amountCents = :a ADD captures :one',
      ExpressionAttributeValues: { ':c': order.customerId, ':a': order.amountCents, ':one': 1 },
    },
  },
  {
    Update: {
      TableName: tables.ledger,
      Key: { pk: order.customerId },
      UpdateExpression:
        'SET paidOrders = list_append(if_not_exists(paidOrders, :none), :o) ADD balanceCents :a',
      ExpressionAttributeValues: { ':none': [], ':o': [order.orderId], ':a': order.amountCents },
    },
  },
  outbox({ tableName: tables.outbox }).write({
    id: `order-paid-${order.orderId}`,
    orderingKey: order.customerId,
    body: { type: 'OrderPaid', orderId: order.orderId },
  }),
];

type Handler = (event: SQSEvent, context: Context) => Promise<unknown>;
type Contender = { name: string; build: (documents: DynamoDBDocumentClient, tables: Tables) => Handler };

const ours = (optimistic: boolean): Contender => ({
  name: `reliable-events${optimistic ? ', optimistic' : ', lease'}`,
  build: (documents, tables) =>
    sqsBatch<Order>(
      async ({ body }, { transaction }) => {
        for (const write of effectsOf(tables, body)) {
          if ('Put' in write) transaction.put(write.Put);
          else transaction.update(write.Update);
        }
      },
      {
        idempotency: {
          store: dynamoDBStore({ tableName: tables.idempotency, client: documents }),
          key: (m: SqsMessage<Order>) => m.body.orderId,
          optimistic,
        },
        metrics: false,
        logger: silent,
      },
    ),
});

const powertools: Contender = {
  name: 'Powertools',
  build: (documents, tables) => {
    const config = new IdempotencyConfig({ eventKeyJmesPath: 'powertools_json(body).orderId' });
    // The idempotency record, then the effects in one transaction of their own (the most atomic
    // Powertools allows: the record cannot join it), then the record's completion.
    const capture = makeIdempotent(
      async (record: SQSRecord) => {
        const order = JSON.parse(record.body) as Order;
        await documents.send(new TransactWriteCommand({ TransactItems: effectsOf(tables, order) }));
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

/** One run: a fresh queue with `n` orders in `groups` groups, consumed until every one is deleted. */
const run = async (contender: Contender, groups: number, n: number, latencyMs: number) => {
  const id = `run${++runs}`;
  const proxy = await startFaultProxy({ target: stack.dynamodb.endpoint, latencyMs });
  const { dynamodb, operations } = countedDynamoDB(stack, proxy.endpoint);
  const documents = DynamoDBDocumentClient.from(dynamodb);
  const tables: Tables = {
    idempotency: await createTable(dynamodb, `${id}-idempotency`),
    payments: await createTable(dynamodb, `${id}-payments`),
    ledger: await createTable(dynamodb, `${id}-ledger`),
    outbox: await createTable(dynamodb, `${id}-outbox`, true), // the OutboxTable's pk + sk
  };
  const name = `${id}-orders.fifo`;
  const { QueueUrl = '' } = await sqs.send(
    new CreateQueueCommand({ QueueName: name, Attributes: { FifoQueue: 'true', VisibilityTimeout: '60' } }),
  );
  for (let i = 0; i < n; i += 10) {
    const orders = Array.from(
      { length: Math.min(10, n - i) },
      (_, k): Order => ({
        orderId: `order-${i + k}`,
        customerId: `customer-${(i + k) % groups}`,
        amountCents: 100 + ((i + k) % 900),
        currency: 'EUR',
      }),
    );
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl,
        Entries: orders.map((order, k) => ({
          Id: String(k),
          MessageBody: JSON.stringify(order),
          MessageGroupId: order.customerId,
          MessageDeduplicationId: order.orderId,
        })),
      }),
    );
  }
  operations.length = 0;
  let deleted = 0;
  let failed = 0;
  let batches = 0;
  const started = performance.now();
  let resolveDone: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve;
  });
  const source = startSqsEventSource({
    client: sqs,
    queueUrl: QueueUrl,
    queueArn: `arn:aws:sqs:${stack.region}:000000000000:${name}`,
    handler: contender.build(documents, tables),
    maxConcurrency: 10,
    timeoutMs: 60_000,
    onBatch: (report) => {
      deleted += report.deleted;
      batches += 1;
      failed += report.retried;
      if (deleted >= n) resolveDone();
    },
  });
  // Bounded: a run that stalls ends after 5 minutes and is reported below as incomplete.
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([done, new Promise((resolve) => (timer = setTimeout(resolve, 300_000)))]);
  clearTimeout(timer);
  const seconds = (performance.now() - started) / 1000;
  await source.stop();
  const requests = operations.length;
  let effects = 0;
  for await (const page of paginateScan(
    { client: documents },
    { TableName: tables.payments, Select: 'COUNT' },
  ))
    effects += page.Count ?? 0;
  await proxy.stop();
  if (deleted < n || effects !== n)
    throw new Error(
      `${contender.name}: ${deleted} of ${n} orders acknowledged, ${effects} effects, ${failed} failures`,
    );
  return { messagesPerSec: n / seconds, requestsPerMessage: requests / n, recordsPerBatch: n / batches };
};

const contenders = [ours(false), ours(true), powertools];
// Warm DynamoDB Local's JIT and every code path first; those runs are not reported.
for (const contender of contenders) await run(contender, 10, 100, 0);

type Result = Awaited<ReturnType<typeof run>>;
type Row = Result & { latencyMs: number; groups: number; contender: string };
const rows: Row[] = [];
for (const latencyMs of LATENCIES) {
  for (const groups of GROUPS) {
    // Each contender runs twice, in the order A B C C B A, so neither gains from running first or last.
    const results = new Map<string, Result[]>();
    for (const contender of [...contenders, ...[...contenders].reverse()]) {
      const result = await run(contender, groups, N, latencyMs);
      results.set(contender.name, [...(results.get(contender.name) ?? []), result]);
    }
    for (const contender of contenders) {
      const [a, b] = results.get(contender.name)!;
      const mean = (key: keyof Result) => (a![key] + b![key]) / 2;
      rows.push({
        latencyMs,
        groups,
        contender: contender.name,
        messagesPerSec: mean('messagesPerSec'),
        requestsPerMessage: mean('requestsPerMessage'),
        recordsPerBatch: mean('recordsPerBatch'),
      });
    }
  }
}
await stack.stop();

console.log(
  `\nOrder pipeline, consumer stage: ${N} orders per run on a FIFO queue, 10 pollers, batches of up to 10, each order's\n` +
    `payment, ledger entry and outbox entry written exactly once (Node ${process.version}; mean of 2 runs)\n`,
);
console.log(
  `${'added latency'.padEnd(15)}${'groups'.padEnd(8)}${'contender'.padEnd(30)}${'messages/s'.padStart(11)}${'requests/message'.padStart(18)}${'records/batch'.padStart(15)}${'vs Powertools'.padStart(15)}`,
);
for (const row of rows) {
  const peer = rows.find(
    (r) => r.latencyMs === row.latencyMs && r.groups === row.groups && r.contender === 'Powertools',
  )!;
  console.log(
    `${`${row.latencyMs} ms`.padEnd(15)}${String(row.groups).padEnd(8)}${row.contender.padEnd(30)}${row.messagesPerSec.toFixed(1).padStart(11)}${row.requestsPerMessage.toFixed(2).padStart(18)}${row.recordsPerBatch.toFixed(1).padStart(15)}${`${(row.messagesPerSec / peer.messagesPerSec).toFixed(2)}×`.padStart(15)}`,
  );
}
console.log(
  '\nrequests/message counts every DynamoDB request the consumer sent, effects included: reliable-events commits the\n' +
    'effects with its idempotency record in one transaction; Powertools writes its record, the effects, then completes\n' +
    'the record. The emulator hands out at most one message per FIFO group per receive, so a batch holds at most\n' +
    '`groups` records. Reproduce: npm run bench (BENCH_N, BENCH_LATENCY_MS to change).',
);
if (values.json) {
  writeFileSync(values.json, `${JSON.stringify({ orders: N, node: process.version, rows }, null, 2)}\n`);
  console.log(`figures: ${values.json}`);
}
