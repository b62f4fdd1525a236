import { startDynamoDBLocal } from './dynamodb-local.ts';
import { startSqsEmulator } from './sqs-emulator.ts';

/** Endpoints and credentials of a running local stack; `stop()` ends what it started. */
export type LocalStack = {
  region: string;
  /** Static credentials the local services accept (DynamoDB Local wants alphanumeric keys). */
  credentials: { accessKeyId: string; secretAccessKey: string };
  dynamodb: { endpoint: string };
  sqs: { endpoint: string };
  stop(): Promise<void>;
};

export type LocalStackOptions = {
  /** @default 'us-east-1' */
  region?: string;
  /** Path of the java binary. @default process.env.JAVA ?? 'java' */
  java?: string;
  /** How long to wait for DynamoDB Local to answer. @default 30_000 */
  startTimeoutMs?: number;
  /** DynamoDB Local's port. @default a free one */
  dynamodbPort?: number;
  /** The SQS emulator's port. @default a free one */
  sqsPort?: number;
  /**
   * Where DynamoDB Local keeps its tables: in memory, or on disk in a temp directory removed
   * when it stops (a long run's memory then stays flat in the item count). @default 'memory'
   */
  dynamodbStorage?: 'memory' | 'disk';
};

const defaults = { region: 'us-east-1', startTimeoutMs: 30_000 } as const;

/** The SDK client settings that point at a local stack. */
export const localClientConfig = (stack: Pick<LocalStack, 'region' | 'credentials'>, endpoint: string) => ({
  region: stack.region,
  endpoint,
  credentials: stack.credentials,
});

/**
 * Starts DynamoDB Local (Java, in memory unless told otherwise) and the SQS emulator on free 127.0.0.1 ports,
 * waits until both answer, and returns their endpoints. If either fails to start, the
 * other is stopped before the error is thrown. DynamoDB Local runs under a watchdog, so it
 * ends with this process even when `stop()` is never reached (Ctrl-C, a crash, SIGKILL).
 *
 * @example
 * const stack = await startLocalStack();
 * const ddb = new DynamoDBClient(localClientConfig(stack, stack.dynamodb.endpoint));
 * await stack.stop();
 */
export const startLocalStack = async (options: LocalStackOptions = {}): Promise<LocalStack> => {
  const opts = { ...defaults, ...options };
  const [dynamodb, sqs] = await Promise.allSettled([
    startDynamoDBLocal({
      java: opts.java,
      startTimeoutMs: opts.startTimeoutMs,
      port: opts.dynamodbPort,
      ...(opts.dynamodbStorage ? { storage: opts.dynamodbStorage } : {}),
    }),
    startSqsEmulator({ region: opts.region, port: opts.sqsPort }),
  ]);
  if (dynamodb.status === 'rejected' || sqs.status === 'rejected') {
    await Promise.all([
      dynamodb.status === 'fulfilled' ? dynamodb.value.stop() : undefined,
      sqs.status === 'fulfilled' ? sqs.value.stop() : undefined,
    ]);
    throw dynamodb.status === 'rejected' ? dynamodb.reason : (sqs as PromiseRejectedResult).reason;
  }
  return {
    region: opts.region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    dynamodb: { endpoint: dynamodb.value.endpoint },
    sqs: { endpoint: sqs.value.endpoint },
    stop: async () => {
      await Promise.all([dynamodb.value.stop(), sqs.value.stop()]);
    },
  };
};
