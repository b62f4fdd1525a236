import { existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { InvalidArgumentError } from 'commander';
import { type DeadLetterStats, type NamedDeadLetterQueue, resolveDeadLetterQueues } from '../dlq/index.ts';
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

// The ledger's table sits beside the queues: on the local stack, the DynamoDB Local of the same run.
export const ledgerOf = (flags: DlqFlags, tableName: string) => {
  if (!flags.local && !flags.endpoint) return { tableName };
  const endpoint = process.env.AWS_ENDPOINT_URL_DYNAMODB;
  if (!endpoint)
    throw new CliSetupError(
      '--ledger-table on the local stack needs its DynamoDB endpoint: run the "export AWS_ENDPOINT_URL_DYNAMODB=…" line "reliable-events local" printed.',
    );
  const client = new DynamoDBClient({
    endpoint,
    region: flags.region ?? process.env.AWS_REGION ?? 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  return { tableName, client };
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
  run: (client: SQSClient, queues: NamedDeadLetterQueue[]) => Promise<void>,
) => {
  const client = clientOf(flags);
  const cleanups: (() => void)[] = [];
  try {
    const hasApp = Boolean(flags.assembly || flags.app || existsSync(join(process.cwd(), 'cdk.json')));
    const queues = await resolveDeadLetterQueues({
      client,
      refs,
      ...(hasApp ? { templates: templatesOf(flags, cleanups) } : {}),
      local: Boolean(flags.local || flags.endpoint),
    });
    await run(client, queues);
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
