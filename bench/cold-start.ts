// Cold start: a FIFO batch handler with DynamoDB idempotency, bundled as a Lambda function is
// (esbuild, ESM, node24, minified keeping names, the AWS SDK left external as the Lambda runtime provides it,
// the options of infra/constructs/reliable-function.ts), for `sqsBatch` and for Powertools'
// batch + idempotency. Each bundle is imported, handler built, in fresh Node processes, the two
// interleaved; the figure is the median import time.
//   npm run bench:cold-start                  (25 processes per bundle)
//   npm run bench:cold-start -- --runs 50 --json cold-start.json
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
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
} as Record<string, string>;
// ReliableFunction's `sourceMap: true`: the bundle with its map, run with --enable-source-maps,
// which reads and parses the map when the bundle loads.
const SOURCE_MAPPED = 'r-e + source map';
entries[SOURCE_MAPPED] = entries['reliable-events']!;

type Bundle = {
  name: string;
  file: string;
  bytes: number;
  gzipBytes: number;
  /** Its source map, when it has one. */
  mapBytes: number;
  /** The SDK packages the bundle imports at load time. */
  sdk: string[];
  /** Those it imports on first use only. */
  sdkOnUse: string[];
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
    keepNames: true,
    sourcemap: name === SOURCE_MAPPED,
    mainFields: ['module', 'main'],
    external: ['@aws-sdk/*'],
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
    metafile: true,
    logLevel: 'error',
  });
  const code = readFileSync(file);
  const mapBytes = name === SOURCE_MAPPED ? statSync(`${file}.map`).size : 0;
  const output = Object.entries(result.metafile.outputs).find(([path]) => path.endsWith('.mjs'))![1];
  const sdkImports = (kind: string) => [
    ...new Set(
      output.imports
        .filter((i) => i.external && i.kind === kind && i.path.startsWith('@aws-sdk/'))
        .map((i) => i.path),
    ),
  ];
  const sdk = sdkImports('import-statement');
  const sdkOnUse = sdkImports('dynamic-import');
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
    mapBytes,
    sdk,
    sdkOnUse,
    largestInputs: inputs.slice(0, 5),
  });
}

// A fresh process per measurement: the module graph loads from disk as in a new Lambda execution
// environment (whose runtime start is the same for both). Measured twice: the bundle with the SDK
// packages it imports, and the bundle alone, its SDK packages loaded before the clock starts. Wall
// time is what a cold start waits; the process's CPU time is the steadier figure on a busy machine.
type Sample = { wallMs: number; cpuMs: number };
const measure = (bundle: Bundle, preloadSdk: boolean): Sample =>
  JSON.parse(
    execFileSync(
      process.execPath,
      [
        ...(bundle.name === SOURCE_MAPPED ? ['--enable-source-maps'] : []),
        '--input-type=module',
        '-e',
        `${preloadSdk ? bundle.sdk.map((name) => `await import(${JSON.stringify(name)});`).join('') : ''}` +
          'const t = performance.now(); const c = process.cpuUsage();' +
          `await import(${JSON.stringify(pathToFileURL(bundle.file).href)});` +
          'const u = process.cpuUsage(c);' +
          'console.log(JSON.stringify({ wallMs: performance.now() - t, cpuMs: (u.user + u.system) / 1000 }));',
      ],
      { cwd: root, encoding: 'utf8', env: { ...process.env, AWS_REGION: 'us-east-1' } },
    ),
  );

const samples = new Map<string, { withSdk: Sample[]; alone: Sample[] }>(
  bundles.map((b) => [b.name, { withSdk: [], alone: [] }]),
);
for (const bundle of bundles) measure(bundle, false); // warm the disk cache for both
for (let i = 0; i < RUNS; i++) {
  const order = i % 2 === 0 ? bundles : [...bundles].reverse();
  for (const bundle of order) {
    samples.get(bundle.name)!.withSdk.push(measure(bundle, false));
    samples.get(bundle.name)!.alone.push(measure(bundle, true));
  }
}
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const medians = (list: Sample[]) => ({
  wallMs: median(list.map((s) => s.wallMs)),
  cpuMs: median(list.map((s) => s.cpuMs)),
});

console.log(
  `\nCold start of a FIFO batch handler with DynamoDB idempotency, bundled with esbuild (ESM, minified, AWS SDK external);` +
    `\nimport time (handler built), medians of ${RUNS} fresh processes per bundle and column, interleaved (Node ${process.version})\n`,
);
const header = ['with SDK: wall ms', 'CPU ms', 'alone: wall ms', 'CPU ms', 'bytes', 'gzip'];
console.log(
  `${'bundle'.padEnd(18)}${header.map((h) => h.padStart(h.length + 2)).join('')}  SDK packages loaded`,
);
const rows = bundles.map(({ file, ...bundle }) => ({
  ...bundle,
  withSdk: medians(samples.get(bundle.name)!.withSdk),
  alone: medians(samples.get(bundle.name)!.alone),
  samples: samples.get(bundle.name)!,
}));
for (const row of rows) {
  const cells = [row.withSdk.wallMs, row.withSdk.cpuMs, row.alone.wallMs, row.alone.cpuMs].map((ms) =>
    ms.toFixed(1),
  );
  cells.push(String(row.bytes), String(row.gzipBytes));
  console.log(
    `${row.name.padEnd(18)}${cells.map((cell, i) => cell.padStart(header[i]!.length + 2)).join('')}  ${row.sdk.join(', ')}${row.sdkOnUse.length ? `; on first use: ${row.sdkOnUse.join(', ')}` : ''}`,
  );
}
for (const row of rows) {
  console.log(
    `\nlargest inputs of ${row.name}: ${row.largestInputs.map(([path, bytes]) => `${path} ${bytes}`).join(', ')}`,
  );
}
for (const row of rows.filter((r) => r.mapBytes > 0)) {
  console.log(
    `\n${row.name}: the same bundle with its ${row.mapBytes}-byte map, run with --enable-source-maps.`,
  );
}
console.log('\n"alone": the SDK packages the bundle imports were loaded before the clock started.');
if (values.json) {
  writeFileSync(values.json, `${JSON.stringify({ runs: RUNS, node: process.version, rows }, null, 2)}\n`);
  console.log(`figures: ${values.json}`);
}
