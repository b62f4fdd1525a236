// Idempotency, side by side with Powertools for AWS Lambda (TypeScript), on DynamoDB Local.
// Counts the DynamoDB requests and write/read units each spends per first delivery and per
// duplicate (units modeled by DynamoDB's rules, bench/capacity.ts), and times both.
//   npm run bench:idempotency            (N=300 by default; BENCH_N=1000 npm run bench:idempotency)
// Wall times on DynamoDB Local are for comparison within one run only, not production latency.

import {
  IdempotencyConfig,
  makeIdempotent as powertoolsIdempotent,
} from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { dynamoDBStore, makeIdempotent } from '../lib/idempotency/index.ts';
import { localClientConfig, startLocalStack } from '../lib/local/index.ts';
import { type CapacityTally, meterCapacity } from './capacity.ts';
import { createTable } from './support.ts';

const N = Number(process.env.BENCH_N ?? 300);
const stack = await startLocalStack();

const client = () => {
  const dynamodb = new DynamoDBClient(localClientConfig(stack, stack.dynamodb.endpoint));
  return { dynamodb, meter: meterCapacity(dynamodb) };
};
const table = createTable;

type Payment = { id: string; amount: number };
const body = async (payment: Payment) => ({ captured: payment.amount });

const ours = client();
const oursFn = makeIdempotent(body, {
  store: dynamoDBStore({ tableName: await table(ours.dynamodb, 'ours'), client: ours.dynamodb }),
  key: (p) => p.id,
  metrics: false,
});
const optimistic = client();
const optimisticFn = makeIdempotent(body, {
  store: dynamoDBStore({
    tableName: await table(optimistic.dynamodb, 'optimistic'),
    client: optimistic.dynamodb,
  }),
  key: (p) => p.id,
  optimistic: true,
  metrics: false,
});
const theirs = client();
const config = new IdempotencyConfig({ eventKeyJmesPath: 'id' });
// Both get the same Lambda context, so both derive their lease from the remaining time.
const lambdaContext = { getRemainingTimeInMillis: () => 30_000, functionName: 'bench' } as never;
config.registerLambdaContext(lambdaContext);
const theirsFn = powertoolsIdempotent(body, {
  persistenceStore: new DynamoDBPersistenceLayer({
    tableName: await table(theirs.dynamodb, 'powertools'),
    keyAttr: 'pk',
    awsSdkV3Client: theirs.dynamodb,
  }),
  config,
});

type Contender = {
  label: string;
  meter: ReturnType<typeof meterCapacity>;
  call: (p: Payment) => Promise<unknown>;
  ms: number;
};
const contenders: Contender[] = [
  { label: 'reliable-events', meter: ours.meter, call: (p) => oursFn(p, lambdaContext), ms: 0 },
  {
    label: 'reliable-events optimistic',
    meter: optimistic.meter,
    call: (p) => optimisticFn(p, lambdaContext),
    ms: 0,
  },
  { label: 'Powertools', meter: theirs.meter, call: theirsFn as (p: Payment) => Promise<unknown>, ms: 0 },
];

type Row = {
  label: string;
  msPerCall: number;
  requests: number;
  write: number;
  read: number;
  operations: string;
};
const rowOf = (label: string, ms: number, tally: CapacityTally): Row => ({
  label,
  msPerCall: ms / N,
  requests: Object.values(tally.requests).reduce((sum, count) => sum + count, 0) / N,
  write: tally.write / N,
  read: tally.read / N,
  operations: Object.keys(tally.requests).join('+'),
});

// They run interleaved, call by call, rotating which goes first, so neither pays for
// running first (DynamoDB Local is measurably slower for whoever writes first).
const phase = async (name: string) => {
  for (const c of contenders) {
    c.meter.take();
    c.ms = 0;
  }
  for (let i = 0; i < N; i++) {
    const order = contenders.map((_, k) => contenders[(k + i) % contenders.length]!);
    for (const c of order) {
      const started = performance.now();
      await c.call({ id: `k-${i}`, amount: i });
      c.ms += performance.now() - started;
    }
  }
  const rows = contenders.map((c) => rowOf(`${c.label}, ${name}`, c.ms, c.meter.take()));
  const peer = rows.at(-1)!;
  return [
    ...rows,
    ...rows.slice(0, -1).map((row) => ({
      label: `  Powertools / ${row.label.split(',')[0]}`,
      msPerCall: peer.msPerCall / row.msPerCall,
      requests: peer.requests / row.requests,
      write: peer.write / row.write,
      read: row.read ? peer.read / row.read : 0,
      operations: '(ratios)',
    })),
  ];
};

// The duplicate phase replays the keys of the first phase.
const rows = [...(await phase('first delivery')), ...(await phase('duplicate'))];
await stack.stop();

console.log(`\nIdempotency on DynamoDB Local, ${N} sequential calls per row (Node ${process.version})\n`);
console.log(
  `${'contender'.padEnd(42)}${'ms/call'.padStart(9)}${'requests'.padStart(10)}${'WCU'.padStart(7)}${'RCU'.padStart(7)}  operations`,
);
for (const row of rows) {
  const figures = [row.msPerCall, row.requests, row.write, row.read].map((value) => value.toFixed(2));
  console.log(
    `${row.label.padEnd(42)}${figures[0]!.padStart(9)}${figures[1]!.padStart(10)}${figures[2]!.padStart(7)}${figures[3]!.padStart(7)}  ${row.operations}`,
  );
}
console.log(
  "\nper call; WCU/RCU: write/read request units modeled by DynamoDB's rules from the requests sent.",
);
