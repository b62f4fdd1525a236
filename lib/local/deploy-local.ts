import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DynamoDBClient,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  assetDirectories,
  functionResources,
  type LocalFunction,
  type NotRunFunction,
  resolveFunctionCode,
} from './deploy-functions.ts';
import { type LocalStack, localClientConfig } from './start-local-stack.ts';
import {
  type LocalValue,
  readAssembly,
  tryResolve as resolveOrUndefined,
  type StackTemplate,
} from './template.ts';
import {
  byType,
  functionTimeout,
  generatedName,
  logicalIdOf,
  parameterDefaults,
  queueConsumerTimeouts,
  withSuffix,
} from './template-resources.ts';

export type LocalQueue = {
  logicalId: string;
  name: string;
  url: string;
  arn: string;
  attributes: Record<string, string>;
};
export type LocalTable = {
  logicalId: string;
  name: string;
  arn: string;
  streamArn?: string;
  input: CreateTableCommandInput;
  ttlAttribute?: string;
};
export type { LocalFunction, NotRunFunction };
export type LocalEventSource = {
  functionLogicalId: string;
  kind: 'sqs' | 'dynamodb';
  sourceArn: string;
  batchSize: number;
  reportBatchItemFailures: boolean;
  maxConcurrency?: number;
  maxRetryAttempts?: number;
};

export type LocalDeployment = {
  queues: LocalQueue[];
  tables: LocalTable[];
  functions: LocalFunction[];
  eventSources: LocalEventSource[];
  outputs: Record<string, string>;
  /**
   * Functions of the template that do not run locally, each with the reason: no SQS or
   * DynamoDB-stream event source (e.g. CDK's own custom resources), another runtime, no code found.
   */
  notRun: NotRunFunction[];
};

export type DeployLocalOptions = {
  stack: Pick<LocalStack, 'region' | 'credentials' | 'dynamodb' | 'sqs'>;
  /** A synthesized cloud assembly directory (`cdk.out`), or the templates themselves. */
  assembly: string | StackTemplate[];
  /** Only these stacks of the assembly. @default every stack */
  stacks?: readonly string[];
  /** Where handler `entry` paths of `ReliableFunction`'s metadata are relative to. @default process.cwd() */
  projectRoot?: string;
  /**
   * Runs every function with this timeout, and gives each queue a function consumes a
   * visibility timeout scaled by the same factor (30 s and 180 s become 2 s and 12 s), so
   * redeliveries come back in seconds. @default each function's own timeout
   */
  functionTimeoutSeconds?: number;
  /**
   * Added to every stack name and explicit queue name, so several deployments of one app can
   * share a local stack without colliding (tests, side-by-side runs). @default none
   */
  nameSuffix?: string;
};

const ACCOUNT = '000000000000';
const QUEUE_ATTRIBUTES = [
  'VisibilityTimeout',
  'MessageRetentionPeriod',
  'DelaySeconds',
  'ReceiveMessageWaitTimeSeconds',
  'ContentBasedDeduplication',
  'DeduplicationScope',
  'FifoThroughputLimit',
  'MaximumMessageSize',
];

/**
 * Creates on the local stack what a synthesized CDK app declares — every SQS queue (FIFO
 * attributes, visibility timeout, redrive policy to its local DLQ) and DynamoDB table (keys,
 * indexes, TTL, streams) — and resolves each function's environment and event sources to the
 * local resources. Every function with an SQS or DynamoDB-stream event source runs from its
 * synthesized asset (the bundle that deploys), whether or not our constructs made it; without an
 * asset, from the source `ReliableFunction` recorded. The others are listed in `notRun` with the reason.
 *
 * @example
 * const deployment = await deployLocal({ stack, assembly: 'cdk.out' });
 * const runtime = startLocalRuntime({ stack, deployment });
 */
export const deployLocal = async (options: DeployLocalOptions): Promise<LocalDeployment> => {
  const templates = typeof options.assembly === 'string' ? readAssembly(options.assembly) : options.assembly;
  const root = options.projectRoot ?? process.cwd();
  const { stack } = options;
  const sqs = new SQSClient(localClientConfig(stack, stack.sqs.endpoint));
  const dynamodb = new DynamoDBClient(localClientConfig(stack, stack.dynamodb.endpoint));
  const deployment: LocalDeployment = {
    queues: [],
    tables: [],
    functions: [],
    eventSources: [],
    outputs: {},
    notRun: [],
  };
  const assembly = typeof options.assembly === 'string' ? options.assembly : undefined;
  const assets = assetDirectories(assembly);

  for (const original of templates.filter((t) => !options.stacks || options.stacks.includes(t.stackName))) {
    const template = options.nameSuffix ? withSuffix(original, options.nameSuffix) : original;
    // A parameter's Ref is its default, as a deploy without overrides gives it.
    const values = new Map<string, LocalValue>(parameterDefaults(template));
    const context = { region: stack.region, accountId: ACCOUNT, stackName: template.stackName, values };
    const tryResolve = (value: unknown) => resolveOrUndefined(value, context);

    const consumerTimeouts = queueConsumerTimeouts(template);
    // Queues: a queue whose redrive policy names another queue waits until that one exists.
    let waiting = byType(template, 'AWS::SQS::Queue');
    for (let pass = 0; waiting.length > 0 && pass <= waiting.length; pass++) {
      const next: typeof waiting = [];
      for (const [logicalId, resource] of waiting) {
        const props = resource.Properties ?? {};
        const redrive = props.RedrivePolicy === undefined ? undefined : tryResolve(props.RedrivePolicy);
        if (props.RedrivePolicy !== undefined && redrive === undefined) {
          next.push([logicalId, resource]);
          continue;
        }
        const fifo = props.FifoQueue === true || props.FifoQueue === 'true';
        const name =
          (tryResolve(props.QueueName) as string | undefined) ??
          generatedName(`${template.stackName}-${logicalId}`, fifo ? 75 : 80) + (fifo ? '.fifo' : '');
        const attributes: Record<string, string> = fifo ? { FifoQueue: 'true' } : {};
        for (const key of QUEUE_ATTRIBUTES)
          if (tryResolve(props[key]) !== undefined) attributes[key] = String(tryResolve(props[key]));
        const consumerTimeout = consumerTimeouts.get(logicalId);
        if (options.functionTimeoutSeconds !== undefined && consumerTimeout !== undefined) {
          // SQS's default visibility timeout is 30 s.
          const visibility = Number(attributes.VisibilityTimeout ?? 30);
          attributes.VisibilityTimeout = String(
            Math.max(1, Math.ceil((visibility * options.functionTimeoutSeconds) / consumerTimeout)),
          );
        }
        if (redrive) attributes.RedrivePolicy = JSON.stringify(redrive);
        const { QueueUrl = '' } = await sqs.send(
          new CreateQueueCommand({ QueueName: name, Attributes: attributes }),
        );
        const { Attributes } = await sqs.send(
          new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
        );
        const arn = Attributes?.QueueArn ?? `arn:aws:sqs:${stack.region}:${ACCOUNT}:${name}`;
        values.set(logicalId, { ref: QueueUrl, attributes: { Arn: arn, QueueName: name, QueueUrl } });
        deployment.queues.push({ logicalId, name, url: QueueUrl, arn, attributes });
      }
      waiting = next;
    }

    for (const [logicalId, resource] of byType(template, 'AWS::DynamoDB::Table')) {
      const props = resource.Properties;
      const name =
        (tryResolve(props.TableName) as string | undefined) ?? `${template.stackName}-${logicalId}`;
      const stream = props.StreamSpecification as { StreamViewType?: string } | undefined;
      const strip = (indexes: unknown) =>
        (indexes as { IndexName: string; KeySchema: unknown; Projection: unknown }[] | undefined)?.map(
          ({ IndexName, KeySchema, Projection }) => ({ IndexName, KeySchema, Projection }),
        );
      const input = {
        TableName: name,
        KeySchema: props.KeySchema,
        AttributeDefinitions: props.AttributeDefinitions,
        BillingMode: 'PAY_PER_REQUEST',
        ...(props.GlobalSecondaryIndexes
          ? { GlobalSecondaryIndexes: strip(props.GlobalSecondaryIndexes) }
          : {}),
        ...(props.LocalSecondaryIndexes ? { LocalSecondaryIndexes: strip(props.LocalSecondaryIndexes) } : {}),
        ...(stream?.StreamViewType
          ? { StreamSpecification: { StreamEnabled: true, StreamViewType: stream.StreamViewType } }
          : {}),
      } as CreateTableCommandInput;
      const { TableDescription } = await dynamodb.send(new CreateTableCommand(input));
      const ttl = props.TimeToLiveSpecification as { AttributeName?: string; Enabled?: boolean } | undefined;
      if (ttl?.Enabled && ttl.AttributeName) {
        await dynamodb.send(
          new UpdateTimeToLiveCommand({
            TableName: name,
            TimeToLiveSpecification: { AttributeName: ttl.AttributeName, Enabled: true },
          }),
        );
      }
      const arn = TableDescription?.TableArn ?? '';
      const streamArn = TableDescription?.LatestStreamArn;
      values.set(logicalId, {
        ref: name,
        attributes: { Arn: arn, ...(streamArn ? { StreamArn: streamArn } : {}) },
      });
      deployment.tables.push({
        logicalId,
        name,
        arn,
        ...(streamArn ? { streamArn } : {}),
        input,
        ...(ttl?.Enabled && ttl.AttributeName ? { ttlAttribute: ttl.AttributeName } : {}),
      });
    }

    const sourced = new Set(
      byType(template, 'AWS::Lambda::EventSourceMapping').map(([, r]) =>
        logicalIdOf(r.Properties.FunctionName),
      ),
    );
    for (const [logicalId, resource] of functionResources(template)) {
      values.set(logicalId, {
        ref: logicalId,
        attributes: { Arn: `arn:aws:lambda:${stack.region}:${ACCOUNT}:function:${logicalId}` },
      });
      if (!sourced.has(logicalId)) {
        deployment.notRun.push({ logicalId, reason: 'no SQS or DynamoDB-stream event source' });
        continue;
      }
      const code = resolveFunctionCode(logicalId, resource, { assembly, assets, root });
      if ('reason' in code) {
        deployment.notRun.push(code);
        continue;
      }
      const variables =
        (resource.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ??
        {};
      const environment = Object.fromEntries(
        Object.entries(variables).flatMap(([name, value]) => {
          const resolved = tryResolve(value);
          return resolved === undefined ? [] : [[name, String(resolved)]];
        }),
      );
      const memoryMb = Number(tryResolve(resource.Properties.MemorySize) ?? Number.NaN);
      const timeout = functionTimeout(resource.Properties, tryResolve, options.functionTimeoutSeconds);
      if (typeof timeout !== 'number') {
        deployment.notRun.push({ logicalId, ...timeout });
        continue;
      }
      // A MemorySize it cannot resolve (a parameter) leaves Lambda's default.
      const memory = Number.isFinite(memoryMb) ? { memoryMb } : {};
      deployment.functions.push({ ...code, environment, timeoutMs: timeout * 1000, ...memory });
    }

    for (const [, resource] of byType(template, 'AWS::Lambda::EventSourceMapping')) {
      const props = resource.Properties;
      const sourceArn = String(tryResolve(props.EventSourceArn) ?? '');
      const functionLogicalId = String(tryResolve(props.FunctionName) ?? '');
      const kind = sourceArn.startsWith('arn:aws:sqs:') ? 'sqs' : 'dynamodb';
      deployment.eventSources.push({
        functionLogicalId,
        kind,
        sourceArn,
        batchSize: Number(props.BatchSize ?? (kind === 'sqs' ? 10 : 100)),
        reportBatchItemFailures: ((props.FunctionResponseTypes as string[] | undefined) ?? []).includes(
          'ReportBatchItemFailures',
        ),
        ...((props.ScalingConfig as { MaximumConcurrency?: number } | undefined)?.MaximumConcurrency
          ? { maxConcurrency: (props.ScalingConfig as { MaximumConcurrency: number }).MaximumConcurrency }
          : {}),
        ...(props.MaximumRetryAttempts === undefined
          ? {}
          : { maxRetryAttempts: Number(props.MaximumRetryAttempts) }),
      });
    }

    for (const [name, output] of Object.entries(template.template.Outputs ?? {})) {
      const value = tryResolve(output.Value);
      if (value !== undefined) deployment.outputs[name] = String(value);
    }
  }
  return deployment;
};
