// Which Node each entry point runs on: runs a check per entry point (a call through it, a synth,
// a local stack invoking a TypeScript handler) under each Node binary given, and prints a table.
// The README's "which Node each part needs" comes from this. Plain JavaScript, so any Node runs it.
//   npm i --no-save --prefix /tmp/n22 node@22.17.1    (the npm package "node" holds a binary)
//   npm run build && node scripts/node-floor.mjs /usr/bin/node /tmp/n22/node_modules/.bin/node …
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const record = (id, body) => ({
  messageId: id,
  receiptHandle: id,
  body: JSON.stringify(body),
  messageAttributes: {},
  md5OfBody: '',
  attributes: {
    ApproximateReceiveCount: '1',
    SentTimestamp: String(Date.now()),
    SenderId: 'x',
    ApproximateFirstReceiveTimestamp: String(Date.now()),
  },
  eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:orders',
  awsRegion: 'us-east-1',
});
const context = { getRemainingTimeInMillis: () => 30_000, functionName: 'probe' };
const checks = {
  async root() {
    const { makeIdempotent, memoryStore } = await import('reliable-events');
    const fn = makeIdempotent(async (n) => n * 2, {
      store: memoryStore(),
      key: (n) => String(n),
      metrics: false,
    });
    if ((await fn(21)) !== 42) throw new Error('wrong result');
  },
  async idempotency() {
    const { makeIdempotent, memoryStore } = await import('reliable-events/idempotency');
    const fn = makeIdempotent(async (n) => n * 2, {
      store: memoryStore(),
      key: (n) => String(n),
      metrics: false,
    });
    if ((await fn(21)) !== 42 || (await fn(21)) !== 42) throw new Error('wrong result');
  },
  async sqs() {
    const { sqsBatch } = await import('reliable-events/sqs');
    const { memoryStore } = await import('reliable-events/idempotency');
    const seen = [];
    const handler = sqsBatch(
      async (m) => {
        seen.push(m.body.n);
      },
      { metrics: false, idempotency: { store: memoryStore(), key: (m) => String(m.body.n) } },
    );
    const first = await handler({ Records: [record('a', { n: 1 }), record('c', { n: 2 })] }, context);
    const again = await handler({ Records: [record('b', { n: 1 })] }, context);
    if (first.batchItemFailures.length + again.batchItemFailures.length !== 0 || seen.length !== 2)
      throw new Error(JSON.stringify({ first, again, seen }));
  },
  async middy() {
    const { default: middy } = await import('@middy/core');
    const { idempotency, memoryStore } = await import('reliable-events/idempotency');
    let runs = 0;
    const handler = middy()
      .use(idempotency({ store: memoryStore(), key: (e) => e.id, metrics: false }))
      .handler(async () => ++runs);
    if ((await handler({ id: 'x' }, context)) !== 1 || (await handler({ id: 'x' }, context)) !== 1)
      throw new Error('ran twice');
  },
  async producer() {
    const { createProducer } = await import('reliable-events/producer');
    const client = {
      send: async (command) => ({
        Successful: command.input.Entries.map((e) => ({ Id: e.Id, MessageId: `m-${e.Id}` })),
        Failed: [],
      }),
    };
    const result = await createProducer({
      queueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/q',
      client,
      metrics: false,
    }).send({ id: 'o1', body: { a: 1 } });
    if (result.sent.length !== 1) throw new Error(JSON.stringify(result));
  },
  async metrics() {
    const { createReliabilityMetrics, memorySink, MetricName } = await import('reliable-events/metrics');
    const sink = memorySink();
    const metrics = createReliabilityMetrics({ sink, service: 's' });
    metrics.count(MetricName.MessagesReceived, 'q', 3);
    metrics.flush();
    if (sink.totals().MessagesReceived !== 3) throw new Error('no count');
  },
  async cdk() {
    const { App, Stack } = await import('aws-cdk-lib');
    const { IdempotencyTable, ReliableConsumer, ReliableQueue } = await import('reliable-events/cdk');
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'probe-cdk-')) });
    const stack = new Stack(app, 'Probe');
    const queue = new ReliableQueue(stack, 'Orders');
    new ReliableConsumer(stack, 'Capture', {
      entry: join(root, 'test/infra/fixtures/handler.ts'),
      queue,
      idempotencyTable: new IdempotencyTable(stack, 'Idem').table,
    });
    app.synth();
  },
  async local() {
    const { createFunctionHost, startLocalStack } = await import('reliable-events/local');
    const stack = await startLocalStack();
    try {
      const host = createFunctionHost({
        fn: {
          logicalId: 'Probe',
          entry: `${root}test/infra/fixtures/handler.ts`,
          handler: 'handler',
          environment: {},
          timeoutMs: 10_000,
        },
        baseEnvironment: {},
      });
      const result = await host.invoke({ Records: [] });
      await host.stop?.();
      if (JSON.stringify(result) !== '{"batchItemFailures":[]}') throw new Error(JSON.stringify(result));
    } finally {
      await stack.stop();
    }
  },
  async bundle() {
    const { handler } = await import(`${root}.local/node-floor/bundle.mjs`);
    const response = await handler({ Records: [record('a', { orderId: 'o1' })] }, context);
    if (response.batchItemFailures.length !== 0) throw new Error(JSON.stringify(response));
  },
};

if (process.argv[2] === '--check') {
  const entry = process.argv[3];
  try {
    await checks[entry]();
    console.log('ok');
  } catch (error) {
    console.log(`${error?.code ?? ''} ${String(error?.message ?? error).split('\n')[0]}`.trim());
  }
  process.exit(0);
}

// The runtime library bundled as a Lambda function of the oldest runtime would be (SDK external).
mkdirSync(`${root}.local/node-floor`, { recursive: true });
execFileSync(
  `${root}node_modules/.bin/esbuild`,
  [
    '--bundle',
    '--platform=node',
    '--format=esm',
    '--target=node20',
    '--minify',
    '--keep-names',
    '--external:@aws-sdk/*',
    '--main-fields=module,main',
    '--loader:.ts=ts',
    "--banner:js=import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    `--outfile=${root}.local/node-floor/bundle.mjs`,
  ],
  {
    input: `import { memoryStore } from './lib/idempotency/index.ts';
import { sqsBatch } from './lib/sqs/index.ts';
export const handler = sqsBatch(async () => undefined, { metrics: false, idempotency: { store: memoryStore(), key: (m) => m.body.orderId } });`,
    cwd: root,
    stdio: ['pipe', 'ignore', 'inherit'],
  },
);
for (const node of process.argv.slice(2)) {
  const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
  for (const entry of Object.keys(checks)) {
    const run = spawnSync(node, [fileURLToPath(import.meta.url), '--check', entry], {
      cwd: root,
      encoding: 'utf8',
      timeout: 180_000,
    });
    const result = run.stdout.trim().split('\n').at(-1) || run.stderr.trim().split('\n')[0];
    console.log(`${version.padEnd(10)} ${entry.padEnd(12)} ${result}`);
  }
}
