// Idempotency, side by side with Powertools for AWS Lambda (TypeScript), on DynamoDB Local.
// Counts the DynamoDB requests each makes per first delivery and per duplicate, and times both.
//   npm run bench:idempotency            (N=300 by default; BENCH_N=1000 npm run bench:idempotency)
// Wall times on DynamoDB Local are for comparison within one run only, not production latency.

import {
  IdempotencyConfig,
  makeIdempotent as powertoolsIdempotent,
} from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { dynamoDBStore, makeIdempotent } from '../lib/idempotency/index.ts';
import { startLocalStack } from '../lib/local/index.ts';
import { countedDynamoDB, createTable } from './support.ts';

const N = Number(process.env.BENCH_N ?? 300);
const stack = await startLocalStack();

const client = () => countedDynamoDB(stack);
const table = createTable;

type Payment = { id: string; amount: number };
const body = async (payment: Payment) => ({ captured: payment.amount });

const ours = client();
const oursFn = makeIdempotent(body, {
  store: dynamoDBStore({ tableName: await table(ours.dynamodb, 'ours'), client: ours.dynamodb }),
  key: (p) => p.id,
});
const optimistic = client();
const optimisticFn = makeIdempotent(body, {
  store: dynamoDBStore({
    tableName: await table(optimistic.dynamodb, 'optimistic'),
    client: optimistic.dynamodb,
  }),
  key: (p) => p.id,
  optimistic: true,
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

type Contender = { label: string; operations: string[]; call: (p: Payment) => Promise<unknown>; ms: number };
const contenders: Contender[] = [
  { label: 'reliable-events', operations: ours.operations, call: (p) => oursFn(p, lambdaContext), ms: 0 },
  {
    label: 'reliable-events optimistic',
    operations: optimistic.operations,
    call: (p) => optimisticFn(p, lambdaContext),
    ms: 0,
  },
  {
    label: 'Powertools',
    operations: theirs.operations,
    call: theirsFn as (p: Payment) => Promise<unknown>,
    ms: 0,
  },
];

// They run interleaved, call by call, rotating which goes first, so neither pays for
// running first (DynamoDB Local is measurably slower for whoever writes first).
const phase = async (name: string) => {
  for (const c of contenders) {
    c.operations.length = 0;
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
  const rows = contenders.map((c) => ({
    label: `${c.label}, ${name}`,
    msPerCall: c.ms / N,
    requestsPerCall: c.operations.length / N,
    operations: [...new Set(c.operations)].map((o) => o.replace(/Command$/, '')).join('+'),
  }));
  const peer = rows.at(-1)!;
  return [
    ...rows,
    ...rows.slice(0, -1).map((row) => ({
      label: `  Powertools / ${row.label.split(',')[0]}`,
      msPerCall: peer.msPerCall / row.msPerCall,
      requestsPerCall: peer.requestsPerCall / row.requestsPerCall,
      operations: '(ratios)',
    })),
  ];
};

// The duplicate phase replays the keys of the first phase.
const rows = [...(await phase('first delivery')), ...(await phase('duplicate'))];
await stack.stop();

console.log(`\nIdempotency on DynamoDB Local, ${N} sequential calls per row (Node ${process.version})\n`);
console.log(`${'contender'.padEnd(42)}${'ms/call'.padStart(10)}${'requests/call'.padStart(15)}  operations`);
for (const row of rows) {
  console.log(
    `${row.label.padEnd(42)}${row.msPerCall.toFixed(2).padStart(10)}${row.requestsPerCall.toFixed(2).padStart(15)}  ${row.operations}`,
  );
}
