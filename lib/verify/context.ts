import type { SQSClient } from '@aws-sdk/client-sqs';
import { type DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import { ConfigurationError } from '../errors.ts';
import type { LocalDeployment, LocalQueue } from '../local/index.ts';
import type { CounterName } from '../metrics/names.ts';
import { deadLetterQueues } from './check.ts';
import { ScenarioError } from './errors.ts';
import type { ScenarioContext } from './scenario.ts';

// By logical id, then its prefix (CDK appends a hash), then the name or its start (a run adds a suffix).
const pick = <T extends { logicalId: string; name: string }>(items: readonly T[], name: string) =>
  items.find((i) => i.logicalId === name) ??
  items.find((i) => i.logicalId.startsWith(name)) ??
  items.find((i) => i.name === name) ??
  items.find((i) => i.name.startsWith(name));

/** Throws when nothing of the app runs locally: no function behind an SQS or DynamoDB-stream event source. */
export const assertRunnable = (deployment: LocalDeployment): void => {
  if (deployment.functions.length > 0) return;
  const notRun = deployment.notRun.map((f) => `${f.logicalId}: ${f.reason}`).join('; ');
  throw new ConfigurationError(
    `The app has no Lambda function with an SQS or DynamoDB-stream event source that runs locally${notRun ? ` (${notRun})` : ''}: add one, or choose its stack with --stack.`,
  );
};

/**
 * A queue of the deployment by stack output holding its URL, logical id or name — or their start,
 * preferring a queue that is no dead-letter queue (`Orders` is `OrdersQueue…`, not `OrdersDeadLetterQueue…`).
 */
export const findQueue = (deployment: LocalDeployment, name: string): LocalQueue => {
  const output = deployment.outputs[name];
  const dlqs = new Set(deadLetterQueues(deployment.queues));
  const starts = deployment.queues
    .filter((q) => q.logicalId.startsWith(name) || q.name.startsWith(name))
    .sort((a, b) => Number(dlqs.has(a)) - Number(dlqs.has(b)) || a.logicalId.length - b.logicalId.length);
  const found =
    (output ? deployment.queues.find((q) => q.url === output) : undefined) ??
    deployment.queues.find((q) => q.logicalId === name || q.name === name) ??
    starts[0];
  if (!found)
    throw new ScenarioError(
      `The app has no queue "${name}": use a logical id, an output or a name among ${deployment.queues.map((q) => q.logicalId).join(', ')}.`,
    );
  return found;
};

/** The context a scenario's functions get: lookups by the names in the user's CDK code, scans, metrics. */
export const scenarioContext = (input: {
  deployment: LocalDeployment;
  documents: DynamoDBDocumentClient;
  sqs: SQSClient;
  metrics: (filter?: { Service?: string }) => Record<CounterName, number>;
}): ScenarioContext => {
  const { deployment, documents } = input;
  const table = (name: string) => {
    const found = pick(deployment.tables, name);
    if (!found)
      throw new ScenarioError(
        `The app has no table "${name}": use a logical id or a name among ${deployment.tables.map((t) => t.logicalId).join(', ')}.`,
      );
    return found.name;
  };
  async function* pages(name: string) {
    const scan = paginateScan({ client: documents }, { TableName: table(name), ConsistentRead: true });
    for await (const page of scan) yield page.Items ?? [];
  }
  return {
    deployment,
    documents,
    sqs: input.sqs,
    table,
    queue: (name) => findQueue(deployment, name),
    async scan(name) {
      const items: Record<string, unknown>[] = [];
      for await (const page of pages(name)) items.push(...page);
      return items;
    },
    pages,
    metrics: (service) => input.metrics(service === undefined ? {} : { Service: service }),
  };
};
