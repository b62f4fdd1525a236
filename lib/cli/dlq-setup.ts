import { existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { InvalidArgumentError } from 'commander';
import {
  type AppliedLookup,
  type DeadLetterStats,
  type NamedDeadLetterQueue,
  resolveDeadLetterQueues,
} from '../dlq/index.ts';
import { idempotencyTablesOf } from '../dlq/resolve-tables.ts';
import { readAssembly, type StackTemplate } from '../local/template.ts';
import { CliSetupError } from './errors.ts';
import { synthesize } from './synth.ts';

// What every `reliable-events dlq` subcommand needs before it reads a queue: its flags parsed, an
// SQS client for AWS or the local stack, and the queues found from what the user typed.

export type DlqFlags = {
  endpoint?: string;
  local?: boolean;
  region?: string;
  app?: string;
  assembly?: string;
  stack?: string[];
  visibilityTimeout: number;
  /** Report which messages the consumer already applied, from these tables or the app's. */
  applied?: boolean;
  idempotencyTable?: string[];
};

export const seconds = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 43_200)
    throw new InvalidArgumentError('must be whole seconds from 1 to 43200.');
  return n;
};
export const positive = (value: string) => {
  const n = Number(value);
  if (!(n > 0)) throw new InvalidArgumentError('must be a number above 0.');
  return n;
};
export const date = (value: string) => {
  // A duration back from now (30m, 2h, 1d) or an ISO date.
  const ago = /^(\d+)(m|h|d)$/.exec(value);
  const at = ago
    ? new Date(Date.now() - Number(ago[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[ago[2] as 'm'])
    : new Date(value);
  if (Number.isNaN(at.getTime()))
    throw new InvalidArgumentError(
      'must be an ISO date (2026-12-04T10:00:00Z) or a time back from now (30m, 2h, 1d).',
    );
  return at;
};

// SQS hands out a FIFO group's next messages only once the ones in flight are deleted or visible again.
export const groupCut = (fifo: boolean, stats: DeadLetterStats) =>
  fifo && Object.values(stats.byGroup).some((n) => n >= 10);

const clientOf = (flags: DlqFlags) => {
  if (!flags.local && !flags.endpoint) return new SQSClient(flags.region ? { region: flags.region } : {});
  const endpoint = flags.endpoint ?? process.env.AWS_ENDPOINT_URL_SQS;
  if (!endpoint)
    throw new CliSetupError(
      '--local needs the SQS endpoint that "reliable-events local" printed: pass --endpoint http://127.0.0.1:PORT, or run the "export AWS_ENDPOINT_URL_SQS=…" line it printed.',
    );
  return new SQSClient({
    endpoint,
    region: flags.region ?? process.env.AWS_REGION ?? 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
};

// Tables sit beside the queues: on the local stack, in the DynamoDB Local of the same run.
const dynamoOf = (flags: DlqFlags, flag: string): { client?: DynamoDBClient } => {
  if (!flags.local && !flags.endpoint)
    return flags.region ? { client: new DynamoDBClient({ region: flags.region }) } : {};
  const endpoint = process.env.AWS_ENDPOINT_URL_DYNAMODB;
  if (!endpoint)
    throw new CliSetupError(
      `${flag} on the local stack needs its DynamoDB endpoint: run the "export AWS_ENDPOINT_URL_DYNAMODB=…" line "reliable-events local" printed.`,
    );
  const client = new DynamoDBClient({
    endpoint,
    region: flags.region ?? process.env.AWS_REGION ?? 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  return { client };
};

export const ledgerOf = (flags: DlqFlags, tableName: string) => ({
  tableName,
  ...dynamoOf(flags, '--ledger-table'),
});

/** What the app around the queues offers: its templates, read (synthesized) only when asked for. */
export type AppContext = { templates?: () => Promise<StackTemplate[]> };

/**
 * Where to look up "already applied": the tables named with --idempotency-table, else (--applied)
 * the app's consumers' IDEMPOTENCY_TABLE; undefined when neither flag was given.
 */
export const appliedLookupOf = async (
  flags: DlqFlags,
  app: AppContext,
): Promise<AppliedLookup | undefined> => {
  const named = flags.idempotencyTable ?? [];
  if (named.length === 0 && !flags.applied) return undefined;
  const flag = named.length > 0 ? '--idempotency-table' : '--applied';
  if (named.length > 0) return { tables: named, ...dynamoOf(flags, flag) };
  if (!app.templates)
    throw new CliSetupError(
      "--applied reads the consumers' IDEMPOTENCY_TABLE from the CDK app: run it in the CDK project (or pass --assembly cdk.out), or name the table with --idempotency-table.",
    );
  const found = idempotencyTablesOf(await app.templates(), { local: Boolean(flags.local || flags.endpoint) });
  if (found.unresolved.length > 0 || found.tables.length === 0)
    throw new CliSetupError(
      found.tables.length === 0 && found.unresolved.length === 0
        ? 'No SQS consumer of the app has IDEMPOTENCY_TABLE in its environment: name the table with --idempotency-table.'
        : `The name of ${found.unresolved.join(', ')} is generated by CloudFormation: name the idempotency table with --idempotency-table.`,
    );
  return { tables: found.tables, ...dynamoOf(flags, flag) };
};

// The app's templates, read only when a queue is named by logical id or output (or not named).
const templatesOf = (flags: DlqFlags, cleanups: (() => void)[]) => async (): Promise<StackTemplate[]> => {
  const root = process.cwd();
  let directory: string;
  if (flags.assembly) {
    directory = resolve(root, flags.assembly);
    if (!existsSync(directory)) throw new CliSetupError(`--assembly ${flags.assembly}: no such directory.`);
  } else {
    directory = await synthesize({ projectRoot: root, ...(flags.app ? { app: flags.app } : {}) });
    const made = directory;
    cleanups.push(() => rmSync(made, { recursive: true, force: true }));
  }
  const templates = readAssembly(directory);
  return flags.stack ? templates.filter((t) => flags.stack!.includes(t.stackName)) : templates;
};

export const withQueues = async (
  refs: string[],
  flags: DlqFlags,
  run: (client: SQSClient, queues: NamedDeadLetterQueue[], app: AppContext) => Promise<void>,
) => {
  const client = clientOf(flags);
  const cleanups: (() => void)[] = [];
  try {
    const hasApp = Boolean(flags.assembly || flags.app || existsSync(join(process.cwd(), 'cdk.json')));
    // Synthesized at most once, and only when a name or a flag needs the app.
    let synthesized: Promise<StackTemplate[]> | undefined;
    const load = templatesOf(flags, cleanups);
    const app: AppContext = hasApp ? { templates: () => (synthesized ??= load()) } : {};
    const queues = await resolveDeadLetterQueues({
      client,
      refs,
      ...app,
      local: Boolean(flags.local || flags.endpoint),
    });
    await run(client, queues, app);
  } catch (error) {
    const endpoint = flags.endpoint ?? (flags.local ? process.env.AWS_ENDPOINT_URL_SQS : undefined);
    if (endpoint && (error as { code?: string }).code === 'ECONNREFUSED')
      throw new CliSetupError(
        `Nothing answers at ${endpoint}: start "reliable-events local" (it prints its SQS endpoint), or pass the endpoint of the one running.`,
      );
    throw error;
  } finally {
    for (const cleanup of cleanups) cleanup();
    client.destroy();
  }
};
