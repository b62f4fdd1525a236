// Cold start: a FIFO batch handler with DynamoDB idempotency, bundled as a Lambda function is
// (esbuild, ESM, node24, minified, the AWS SDK left external as the Lambda runtime provides it,
// the options of infra/constructs/reliable-function.ts), for `sqsBatch` and for Powertools'
// batch + idempotency. Each bundle is imported, handler built, in fresh Node processes, the two
// interleaved; the figure is the median import time.
//   npm run bench:cold-start                  (25 processes per bundle)
//   npm run bench:cold-start -- --runs 50 --json cold-start.json
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '25' }, json: { type: 'string' } },
});
const RUNS = Number(values.runs);
const root = resolve(import.meta.dirname, '..');
// Inside the repository, so the external SDK resolves from its node_modules as from the runtime's.
const out = join(root, '.local', 'cold-start');
mkdirSync(out, { recursive: true });

const entries = {
  'reliable-events': `
import { dynamoDBStore } from '${root}/lib/idempotency/index.ts';
import { sqsBatch } from '${root}/lib/sqs/index.ts';
export const handler = sqsBatch(
  async ({ body }, { transaction }) => {
    transaction.put({ TableName: 'payments', Item: { pk: body.orderId, amountCents: body.amountCents } });
  },
  { idempotency: { store: dynamoDBStore({ tableName: 'idempotency' }), key: (message) => message.body.orderId } },
);`,
  Powertools: `
import { processPartialResponse, SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const config = new IdempotencyConfig({ eventKeyJmesPath: 'powertools_json(body).orderId' });
const capture = makeIdempotent(
  async (record) => {
    const body = JSON.parse(record.body);
    await documents.send(new PutCommand({ TableName: 'payments', Item: { pk: body.orderId, amountCents: body.amountCents } }));
  },
  { persistenceStore: new DynamoDBPersistenceLayer({ tableName: 'idempotency' }), config },
);
export const handler = async (event, context) => {
  config.registerLambdaContext(context);
  return processPartialResponse(event, capture, new SqsFifoPartialProcessorAsync(), { context, skipGroupOnError: true });
};`,
};

type Bundle = {
  name: string;
  file: string;
  bytes: number;
  gzipBytes: number;
  /** The SDK packages the bundle imports at load time. */
  sdk: string[];
  largestInputs: [string, number][];
};
const bundles: Bundle[] = [];
for (const [name, contents] of Object.entries(entries)) {
  const file = join(out, `${name.replace(/\W+/g, '-').toLowerCase()}.mjs`);
  const result = await build({
    stdin: { contents, resolveDir: root, loader: 'ts', sourcefile: `${name}-entry.ts` },
    outfile: file,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    minify: true,
    mainFields: ['module', 'main'],
    external: ['@aws-sdk/*'],
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
    metafile: true,
    logLevel: 'error',
  });
  const code = readFileSync(file);
  const output = Object.values(result.metafile.outputs)[0]!;
  const sdk = [
    ...new Set(output.imports.filter((i) => i.external && i.path.startsWith('@aws-sdk/')).map((i) => i.path)),
  ];
  const inputs = Object.entries(output.inputs)
    .map(([path, { bytesInOutput }]): [string, number] => [
      path.replace(/^.*node_modules\//, ''),
      bytesInOutput,
    ])
    .sort((a, b) => b[1] - a[1]);
  bundles.push({
    name,
    file,
    bytes: code.length,
    gzipBytes: gzipSync(code).length,
    sdk,
    largestInputs: inputs.slice(0, 5),
  });
}

// A fresh process per measurement: the module graph loads from disk as in a new Lambda execution
// environment (whose runtime start is the same for both). Measured twice: the bundle with the SDK
// packages it imports, and the bundle alone, its SDK packages loaded before the clock starts.
const importMs = (bundle: Bundle, preloadSdk: boolean) =>
  Number(
    execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `${preloadSdk ? bundle.sdk.map((name) => `await import(${JSON.stringify(name)});`).join('') : ''}` +
          `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(bundle.file).href)}); console.log(performance.now() - t);`,
      ],
      { cwd: root, encoding: 'utf8', env: { ...process.env, AWS_REGION: 'us-east-1' } },
    ).trim(),
  );

const times = new Map<string, { whole: number[]; alone: number[] }>(
  bundles.map((b) => [b.name, { whole: [], alone: [] }]),
);
for (const bundle of bundles) importMs(bundle, false); // warm the disk cache for both
for (let i = 0; i < RUNS; i++) {
  const order = i % 2 === 0 ? bundles : [...bundles].reverse();
  for (const bundle of order) {
    times.get(bundle.name)!.whole.push(importMs(bundle, false));
    times.get(bundle.name)!.alone.push(importMs(bundle, true));
  }
}
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

console.log(
  `\nCold start of a FIFO batch handler with DynamoDB idempotency, bundled with esbuild (ESM, minified, AWS SDK external);` +
    `\nimport time (handler built) in ${RUNS} fresh processes per bundle and column, interleaved (Node ${process.version})\n`,
);
console.log(
  `${'bundle'.padEnd(18)}${'with SDK ms'.padStart(12)}${'alone ms'.padStart(10)}${'bytes'.padStart(9)}${'gzip'.padStart(8)}  SDK packages imported`,
);
const rows = bundles.map(({ file, ...bundle }) => ({
  ...bundle,
  withSdkMs: median(times.get(bundle.name)!.whole),
  aloneMs: median(times.get(bundle.name)!.alone),
  samples: times.get(bundle.name)!,
}));
for (const row of rows) {
  console.log(
    `${row.name.padEnd(18)}${row.withSdkMs.toFixed(1).padStart(12)}${row.aloneMs.toFixed(1).padStart(10)}${String(row.bytes).padStart(9)}${String(row.gzipBytes).padStart(8)}  ${row.sdk.join(', ')}`,
  );
}
for (const row of rows) {
  console.log(
    `\nlargest inputs of ${row.name}: ${row.largestInputs.map(([path, bytes]) => `${path} ${bytes}`).join(', ')}`,
  );
}
console.log('\nmedians; "alone": the SDK packages the bundle imports were loaded before the clock started.');
if (values.json) {
  writeFileSync(values.json, `${JSON.stringify({ runs: RUNS, node: process.version, rows }, null, 2)}\n`);
  console.log(`figures: ${values.json}`);
}
