import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NonRetryableError, ReliableEventsError } from '../../../lib/errors.ts';

// Every subpath of package.json's export map, with the names it exports. A change here is a
// change of the public API: make it on purpose, and say so in the changelog.
const EXPORTS: Record<string, string[]> = {
  '.': [
    'COUNTERS',
    'ConfigurationError',
    'DeadLetterAttribute',
    'EffectConditionFailedError',
    'GroupParkedError',
    'IdempotencyInProgressError',
    'IdempotencyKeyError',
    'IdempotencyLeaseLostError',
    'IdempotencyPayloadMismatchError',
    'IdempotencyResultError',
    'IdempotencyResultTooLargeError',
    'IdempotencyTransactionError',
    'IdempotencyWriteCancelledError',
    'JavaNotFoundError',
    'LateCommitFencedError',
    'LocalStackStartError',
    'MAX_BATCH_BYTES',
    'MAX_MESSAGE_BYTES',
    'MessageParseError',
    'MessageRejectedError',
    'MessageValidationError',
    'MetricDimension',
    'MetricName',
    'NonRetryableError',
    'OUTBOX_PREFIX',
    'ProducerAttribute',
    'RELIABILITY_NAMESPACE',
    'ReliableEventsError',
    'SendFailedError',
    'SequenceCounterError',
    'SequenceGapError',
    'TIMINGS',
    'WriteConditionFailedError',
    'createIdempotencyEngine',
    'createProducer',
    'createReliabilityLog',
    'createReliabilityMetrics',
    'createTransactionCollector',
    'dynamoDBSequenceCounter',
    'dynamoDBSequenceStore',
    'dynamoDBStore',
    'fingerprintOf',
    'idempotency',
    'idempotencyDefaults',
    'idempotencyTimeoutResponse',
    'makeIdempotent',
    'memorySequenceCounter',
    'memorySequenceStore',
    'memorySink',
    'memoryStore',
    'outbox',
    'outboxRelay',
    'parseRecord',
    'producerDefaults',
    'putIfAbsent',
    'queueNameOf',
    'sqsBatch',
    'sqsBatchDefaults',
    'stdoutSink',
    'updateOncePerKey',
  ],
  idempotency: [
    'createIdempotencyEngine',
    'createTransactionCollector',
    'dynamoDBStore',
    'fingerprintOf',
    'idempotency',
    'idempotencyDefaults',
    'idempotencyTimeoutResponse',
    'makeIdempotent',
    'memoryStore',
    'putIfAbsent',
    'updateOncePerKey',
  ],
  sqs: [
    'DeadLetterAttribute',
    'dynamoDBSequenceStore',
    'memorySequenceStore',
    'parseRecord',
    'sqsBatch',
    'sqsBatchDefaults',
  ],
  producer: [
    'MAX_BATCH_BYTES',
    'MAX_MESSAGE_BYTES',
    'OUTBOX_PREFIX',
    'ProducerAttribute',
    'createProducer',
    'dynamoDBSequenceCounter',
    'memorySequenceCounter',
    'outbox',
    'outboxRelay',
    'producerDefaults',
  ],
  metrics: [
    'COUNTERS',
    'MetricDimension',
    'MetricName',
    'RELIABILITY_NAMESPACE',
    'TIMINGS',
    'createReliabilityLog',
    'createReliabilityMetrics',
    'memorySink',
    'queueNameOf',
    'stdoutSink',
  ],
  local: [
    'FunctionCrashError',
    'FunctionLoadError',
    'FunctionTimeoutError',
    'HANDLER_METADATA',
    'MetricDocumentError',
    'createAlarmEvaluator',
    'createFunctionHost',
    'deployLocal',
    'failedIdsOf',
    'localClientConfig',
    'localValuesOf',
    'mergeAlarms',
    'readAlarms',
    'readAssembly',
    'startDynamoDBStreamSource',
    'startFaultProxy',
    'startLocalRuntime',
    'startLocalStack',
    'startSqsEventSource',
    'toLambdaRecord',
  ],
  dlq: [
    'AppliedLookupError',
    'DeadLetterOptionsError',
    'DeadLetterQueueNotFoundError',
    'ReplayAttribute',
    'appliedDefaults',
    'deadLetterStats',
    'discardDeadLetter',
    'discardDefaults',
    'exportDeadLetters',
    'idempotencyTablesOf',
    'lookUpApplied',
    'readDeadLetters',
    'readDefaults',
    'replayDeadLetters',
    'replayDefaults',
    'resolveDeadLetterQueues',
  ],
  cdk: [
    'HANDLER_METADATA',
    'IdempotencyTable',
    'OutboxRelay',
    'OutboxTable',
    'ReliabilityAlarms',
    'ReliableConsumer',
    'ReliableFunction',
    'ReliableQueue',
    'reliableFunctionDefaults',
    'reliableQueueDefaults',
  ],
};

const ENTRY: Record<string, string> = {
  '.': 'lib/index.ts',
  idempotency: 'lib/idempotency/index.ts',
  sqs: 'lib/sqs/index.ts',
  producer: 'lib/producer/index.ts',
  metrics: 'lib/metrics/index.ts',
  local: 'lib/local/index.ts',
  dlq: 'lib/dlq/index.ts',
  cdk: 'infra/constructs/index.ts',
};

const root = resolve(import.meta.dirname, '../../..');

describe('public API', () => {
  it.each(Object.keys(EXPORTS))('subpath %s exports exactly its listed names', async (subpath) => {
    const module = await import(join(root, ENTRY[subpath]!));
    expect(Object.keys(module).sort()).toEqual(EXPORTS[subpath]);
  });

  it('names every exported error with a string literal, so a minifier cannot rename it', async () => {
    const modules = await Promise.all(Object.values(ENTRY).map((entry) => import(join(root, entry))));
    const errors = modules
      .flatMap((module) => Object.entries(module))
      .filter(([, value]) => typeof value === 'function' && value.prototype instanceof ReliableEventsError);
    expect(errors.length).toBeGreaterThan(15);
    for (const [name, type] of errors)
      expect(
        Object.hasOwn(type as object, 'errorName') && (type as typeof ReliableEventsError).errorName,
      ).toBe(name);
  });

  it("names a user's subclass after its class, as a plain Error subclass would be", () => {
    class InsufficientFundsError extends NonRetryableError {}
    expect(new InsufficientFundsError('no').name).toBe('InsufficientFundsError');
    expect(new NonRetryableError('no').name).toBe('NonRetryableError');
  });
});

const sourceFiles = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });

describe('import graph', () => {
  it('has no cycle among lib/ and infra/ modules', () => {
    const files = [...sourceFiles(join(root, 'lib')), ...sourceFiles(join(root, 'infra'))];
    const edges = new Map(
      files.map((file) => {
        const text = readFileSync(file, 'utf8');
        // Type-only imports count too: a cycle of types is still a loop a reader walks in circles.
        const targets = [...text.matchAll(/(?:from |import\()'(\.[^']+\.ts)'/g)].map((match) =>
          resolve(dirname(file), match[1]!),
        );
        return [file, targets] as const;
      }),
    );
    const state = new Map<string, 'visiting' | 'done'>();
    const cycles: string[] = [];
    const visit = (file: string, path: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'visiting') {
        cycles.push(
          [...path.slice(path.indexOf(file)), file].map((f) => f.slice(root.length + 1)).join(' → '),
        );
        return;
      }
      state.set(file, 'visiting');
      for (const next of edges.get(file) ?? []) visit(next, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of edges.keys()) visit(file, []);
    expect(cycles).toEqual([]);
  });

  it('keeps deploy-time code (infra/) off the local runtime', () => {
    const offenders = sourceFiles(join(root, 'infra')).filter((file) =>
      /from '[^']*lib\/local\//.test(readFileSync(file, 'utf8')),
    );
    expect(offenders.map((f) => f.slice(root.length + 1))).toEqual([]);
  });
});
