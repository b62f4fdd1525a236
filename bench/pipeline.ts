// The order pipeline's consumer stage, side by side with Powertools for AWS Lambda (TypeScript) in
// the same run: orders of a FIFO queue in SQS's batch shape (as many records of one group per
// batch as fit, then the next group), delivered in process the way Lambda's event source mapping
// does (one batch in flight per group, up to 10 at once, partial batch responses), each order's
// payment captured exactly once in DynamoDB Local. Every run gets fresh tables and the same seeded
// messages; contenders interleave, rotating who goes first, and each figure is a median.
//   npm run bench                             (300 messages per run, 3 rounds, 0 and 5 ms, 10 and 1 groups, 10% resent)
//   npm run bench -- --json bench.json        also writes every run's figures
//   npm run bench -- --messages 1000 --rounds 5 --latency 0,5,10 --groups 10,1 --contenders powertools,optimistic
//   npm run bench -- --shape one-per-group    batches as the fauxqs 2.4.1 emulator formed them
//   npm run bench -- --fence off              reliable-events without the FIFO fence (default on, every mode)
//   npm run bench -- --resend 0               no producer resends (default 0.1: 10% of orders are sent
//                                             again later under a new message id, as producers retry)
// The latency is added to every DynamoDB request of every contender by a proxy: DynamoDB Local
// runs its writes on about one thread, so concurrent requests queue inside it, while in the cloud a
// request's time is mostly a network wait that concurrent requests overlap (in-region DynamoDB
// answers in single-digit milliseconds: https://aws.amazon.com/dynamodb/).
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DeleteTableCommand, DynamoDBClient, paginateScan } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { startDynamoDBLocal } from '../lib/local/dynamodb-local.ts';
import { localClientConfig, startFaultProxy } from '../lib/local/index.ts';
import { seededRandom } from '../lib/verify/random.ts';
import { itemSize, meterCapacity } from './capacity.ts';
import { contenders as allContenders, type Contender, type Order } from './contenders.ts';
import { type BatchShape, deliver, fifoQueue, type QueuedMessage, sendRequestsFor } from './fifo-delivery.ts';
import { measureLocalCeiling } from './local-ceiling.ts';
import { printTable, type Row, summarize } from './pipeline-report.ts';
import { costPerMillion } from './prices.ts';
import { createTable } from './support.ts';

const list = (value: string) => value.split(',').map((item) => item.trim());
const { values } = parseArgs({
  options: {
    json: { type: 'string' },
    messages: { type: 'string', default: process.env.BENCH_N ?? '300' },
    rounds: { type: 'string', default: '3' },
    latency: { type: 'string', default: `0,${process.env.BENCH_LATENCY_MS ?? 5}` },
    groups: { type: 'string', default: '10,1' },
    contenders: { type: 'string' },
    shape: { type: 'string', default: 'sqs' },
    seed: { type: 'string', default: '17' },
    resend: { type: 'string', default: '0.1' },
    fence: { type: 'string', default: 'on' },
  },
});
const RESEND = Number(values.resend);
if (values.fence !== 'on' && values.fence !== 'off') throw new Error('--fence is on or off');
const FENCE = values.fence === 'on';
if (!(RESEND >= 0 && RESEND <= 1)) throw new Error('--resend is a rate between 0 and 1');
const N = Number(values.messages);
const ROUNDS = Number(values.rounds);
const LATENCIES = list(values.latency).map(Number);
const GROUPS = list(values.groups).map(Number);
const SHAPE = values.shape as BatchShape;
if (SHAPE !== 'sqs' && SHAPE !== 'one-per-group') throw new Error('--shape is sqs or one-per-group');
const contenders = values.contenders
  ? list(values.contenders).map((id) => {
      const found = allContenders.find((c) => c.id === id);
      if (!found)
        throw new Error(`--contenders: no ${id}; known: ${allContenders.map((c) => c.id).join(', ')}`);
      return found;
    })
  : allContenders;

const dynamodbLocal = await startDynamoDBLocal({});
const local = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
const setup = new DynamoDBClient(localClientConfig(local, dynamodbLocal.endpoint));
let runs = 0;

/**
 * The same seeded orders for every contender: each message to one of `groups` customers, numbered
 * per customer; a `RESEND` share of them is sent again a little later under a new message id (a
 * producer's retry after SQS's deduplication window): the consumer must suppress the copy.
 */
const messagesFor = (n: number, groups: number): QueuedMessage[] => {
  const random = seededRandom(Number(values.seed) + groups);
  const seqs = new Map<string, number>();
  const originals = Array.from({ length: n }, (_, i) => {
    const customerId = `customer-${Math.floor(random() * groups)}`;
    const seq = (seqs.get(customerId) ?? 0) + 1;
    seqs.set(customerId, seq);
    const order: Order = {
      orderId: `order-${i}`,
      customerId,
      amountCents: 100 + Math.floor(random() * 900),
      seq,
    };
    const sequenceNumber = String(i + 1).padStart(20, '0');
    return {
      messageId: `m-${i}`,
      groupId: customerId,
      body: JSON.stringify(order),
      sequenceNumber,
      sentTimestamp: Date.now(),
      receiveCount: 0,
    };
  });
  const queue = [...originals];
  for (const [i, original] of originals.entries()) {
    if (random() >= RESEND) continue;
    // Later in the stream (within the next 50 sends), after the original.
    const at = Math.min(queue.length, queue.indexOf(original) + 1 + Math.floor(random() * 50));
    queue.splice(at, 0, { ...original, messageId: `m-${i}-resent` });
  }
  // SQS numbers messages in the order it accepts them.
  return queue.map((message, k) => ({ ...message, sequenceNumber: String(k + 1).padStart(20, '0') }));
};

const run = async (contender: Contender, groups: number, latencyMs: number, n: number): Promise<Row> => {
  const id = `run${++runs}`;
  const proxy = await startFaultProxy({ target: dynamodbLocal.endpoint, latencyMs });
  const client = new DynamoDBClient(localClientConfig(local, proxy.endpoint));
  const meter = meterCapacity(client);
  const tables = {
    idempotency: await createTable(setup, `${id}-idempotency`),
    payments: await createTable(setup, `${id}-payments`),
  };
  const last = new Map<string, number>();
  const issuedBefore = new Set<string>();
  let outOfOrder = 0;
  const handler = contender.build({
    documents: DynamoDBDocumentClient.from(client),
    tables,
    fence: FENCE,
    issued: (order) => {
      // A handler may run again for a resent or repeated order (the optimistic and effect-conditional
      // commits run it, then discard its writes): only an order issued for the first time counts.
      if (issuedBefore.has(order.orderId)) return;
      issuedBefore.add(order.orderId);
      if (order.seq <= (last.get(order.customerId) ?? 0)) outOfOrder += 1;
      last.set(order.customerId, Math.max(order.seq, last.get(order.customerId) ?? 0));
    },
  });
  const messages = messagesFor(n, groups);
  const delivered = messages.length;
  const stats = await deliver({ queue: fifoQueue(messages, SHAPE), handler, concurrency: 10 });
  const tally = meter.take();
  const requests = [...proxy.requests.values()].reduce((sum, count) => sum + count, 0);
  await proxy.stop();
  let effects = 0;
  let duplicates = 0;
  let largestItem = 0;
  for (const table of Object.values(tables)) {
    for await (const page of paginateScan({ client: setup }, { TableName: table })) {
      for (const item of page.Items ?? []) {
        largestItem = Math.max(largestItem, itemSize(item));
        if (table !== tables.payments) continue;
        effects += 1;
        if (Number(item.captures?.N) !== 1) duplicates += 1;
      }
    }
    await setup.send(new DeleteTableCommand({ TableName: table }));
  }
  const sqsRequests = sendRequestsFor(messages) + stats.receiveRequests + stats.deleteRequests;
  return {
    latencyMs,
    groups,
    contender: contender.id,
    messagesPerSec: delivered / stats.seconds,
    requestsPerMessage: requests / delivered,
    writeUnitsPerMessage: tally.write / delivered,
    readUnitsPerMessage: tally.read / delivered,
    sqsRequestsPerMessage: sqsRequests / delivered,
    recordsPerBatch: stats.records / stats.invocations,
    handlerMsPerMessage: stats.handlerMs / delivered,
    cost: costPerMillion({
      messages: delivered,
      writeUnits: tally.write,
      readUnits: tally.read,
      sqsRequests,
      invocations: stats.invocations,
      handlerMs: stats.handlerMs,
    }),
    checks: { missing: n - effects, duplicates, outOfOrder, retried: stats.retried, largestItem },
    capacity: {
      checked: tally.checked,
      agreed: tally.agreed,
      transactions: tally.transactions,
      unmodeled: tally.unmodeled,
    },
  };
};

// Warm DynamoDB Local's JIT and every code path first; those runs are not reported.
for (const contender of contenders) await run(contender, 10, 0, 100);
const ceiling = await measureLocalCeiling(setup);

const runsDone: Row[] = [];
for (let round = 0; round < ROUNDS; round++) {
  for (const latencyMs of LATENCIES) {
    for (const groups of GROUPS) {
      // Who goes first rotates from round to round.
      const order = contenders.map((_, k) => contenders[(k + round) % contenders.length]!);
      for (const contender of order) runsDone.push(await run(contender, groups, latencyMs, N));
    }
  }
}
await dynamodbLocal.stop();

const rows = summarize(
  runsDone,
  contenders.map((c) => c.id),
);
printTable(rows, {
  messages: N,
  resend: RESEND,
  rounds: ROUNDS,
  shape: SHAPE,
  ceiling,
  names: new Map(contenders.map((c) => [c.id, c.name])),
});
if (values.json) {
  writeFileSync(
    values.json,
    `${JSON.stringify({ messages: N, resend: RESEND, rounds: ROUNDS, shape: SHAPE, ceiling, node: process.version, rows, runs: runsDone }, null, 2)}\n`,
  );
  console.log(`figures: ${values.json}`);
}
