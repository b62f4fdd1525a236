import { fileURLToPath } from 'node:url';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { describe, expect, it } from 'vitest';
import {
  IdempotencyTable,
  OutboxRelay,
  OutboxTable,
  ReliabilityAlarms,
  ReliableConsumer,
  ReliableFunction,
  ReliableQueue,
} from '../../infra/constructs/index.ts';
import { ConfigurationError } from '../../lib/errors.ts';

// Every check runs before NodejsFunction bundles anything, so none of these tests runs esbuild.
const entry = fileURLToPath(new URL('./fixtures/handler.ts', import.meta.url));

const consumer = (props: Record<string, unknown>, queueProps = {}) => {
  const stack = new Stack(new App(), 'Test');
  const queue = new ReliableQueue(stack, 'Orders', queueProps);
  return () =>
    new ReliableConsumer(stack, 'Capture', {
      entry,
      queue,
      ...props,
    } as unknown as ConstructorParameters<typeof ReliableConsumer>[2]);
};

/** Expects a ConfigurationError whose message matches, and nothing of CDK's own. */
const rejects = (build: () => unknown, message: RegExp) => {
  let thrown: unknown;
  try {
    build();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(ConfigurationError);
  expect((thrown as Error).message).toMatch(message);
};

describe("constructs check Lambda's limits at synth", () => {
  it('rejects a timeout over 900 s and memory outside 128–10240 MB, naming the prop and the value', () => {
    rejects(
      consumer({ timeout: Duration.minutes(20) }, { visibilityTimeout: Duration.hours(3) }),
      /^ReliableConsumer Capture: timeout must be from 1 to 900 seconds \(Lambda's limit\), received 20 minutes\.$/,
    );
    rejects(
      consumer({ memorySize: 64 }),
      /^ReliableConsumer Capture: memorySize must be an integer from 128 to 10240 MB \(Lambda's limit\), received number 64\.$/,
    );
    rejects(consumer({ memorySize: 10_241 }), /memorySize must be an integer from 128 to 10240 MB/);
    rejects(consumer({ memorySize: 1000.5 }), /memorySize must be an integer/);
  });

  it('rejects a batching window over 5 minutes on a standard queue', () => {
    rejects(
      consumer({ maxBatchingWindow: Duration.minutes(6), batchSize: 100 }, { fifo: false }),
      /maxBatchingWindow must be from 0 to 300 seconds \(Lambda's limit\), received 6 minutes/,
    );
  });

  it('rejects an environment over Lambda’s 4 KB', () => {
    rejects(
      consumer({ environment: { BIG: 'x'.repeat(4100) } }),
      /environment holds \d+ bytes of names and values; Lambda allows 4096/,
    );
  });

  it('checks a ReliableFunction created directly, naming it by its path', () => {
    const stack = new Stack(new App(), 'Test');
    rejects(
      () => new ReliableFunction(stack, 'Api', { entry, serviceName: 'api', timeout: Duration.seconds(901) }),
      /^ReliableFunction Test\/Api: timeout must be from 1 to 900 seconds/,
    );
  });

  it('checks an OutboxRelay', () => {
    const stack = new Stack(new App(), 'Test');
    const outbox = new OutboxTable(stack, 'Outbox');
    const queue = new ReliableQueue(stack, 'Events');
    rejects(
      () => new OutboxRelay(stack, 'Relay', { entry, outbox, queue, retryAttempts: 20_000 }),
      /^OutboxRelay Relay: retryAttempts must be an integer from -1 to 10000, received number 20000\.$/,
    );
    rejects(
      () => new OutboxRelay(stack, 'Relay2', { entry, outbox, queue, memorySize: 64 }),
      /^OutboxRelay Relay2: memorySize must be an integer from 128/,
    );
  });
});

describe("ReliableQueue checks SQS's limits and its props' types", () => {
  it('rejects a visibility timeout over 12 hours, a retention outside 1 minute–14 days, a DLQ that is not a queue', () => {
    const stack = new Stack(new App(), 'Test');
    rejects(
      () => new ReliableQueue(stack, 'A', { visibilityTimeout: Duration.hours(13) }),
      /^ReliableQueue A: visibilityTimeout must be from 0 to 43200 seconds \(SQS's limit\), received 13 hours\.$/,
    );
    rejects(
      () => new ReliableQueue(stack, 'B', { retentionPeriod: Duration.days(15) }),
      /retentionPeriod must be from 60 to 1209600 seconds \(SQS's limit\), received 15 days/,
    );
    rejects(
      () => new ReliableQueue(stack, 'C', { visibilityTimeout: 30 as never }),
      /visibilityTimeout must be a Duration \(Duration\.seconds\(…\)\), received number 30/,
    );
    rejects(
      () => new ReliableQueue(stack, 'D', { deadLetterQueue: 'orders-dlq' as never }),
      /^ReliableQueue D: deadLetterQueue must be an SQS queue \(sqs\.IQueue\), received the string "orders-dlq"\.$/,
    );
  });
});

describe('constructs given a value of the wrong type (plain JavaScript) say which prop', () => {
  it('a table name where a table goes: our error, with the way to pass a table by name', () => {
    rejects(
      consumer({ idempotencyTable: 'idempotency' }),
      /^ReliableConsumer Capture: idempotencyTable must be a DynamoDB table \(dynamodb\.ITable\), received the string "idempotency"; for a table by name, pass dynamodb\.Table\.fromTableName\(scope, id, "idempotency"\)\.$/,
    );
    rejects(
      consumer({ tables: { PAYMENTS_TABLE: { table: 'payments', access: 'write' } } }),
      /tables\.PAYMENTS_TABLE\.table must be a DynamoDB table/,
    );
  });

  it('the IdempotencyTable construct where its table goes: pass its .table', () => {
    const stack = new Stack(new App(), 'Test');
    const idempotency = new IdempotencyTable(stack, 'Idempotency');
    rejects(
      () =>
        new ReliableConsumer(stack, 'Capture', {
          entry,
          queue: new ReliableQueue(stack, 'Orders'),
          idempotencyTable: idempotency as unknown as dynamodb.ITable,
        }),
      /idempotencyTable must be a DynamoDB table \(dynamodb\.ITable\), received an IdempotencyTable \(Test\/Idempotency\); pass its \.table\./,
    );
  });

  it('a number for a Duration, a bad access, an SQS queue for a ReliableQueue, no entry', () => {
    rejects(
      consumer({ timeout: 30 }),
      /timeout must be a Duration \(Duration\.seconds\(…\)\), received number 30/,
    );
    const stack = new Stack(new App(), 'Other');
    const table = new dynamodb.Table(stack, 'Payments', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    });
    rejects(
      consumer({ tables: { PAYMENTS_TABLE: { table, access: 'rw' } } }),
      /tables\.PAYMENTS_TABLE\.access must be 'read', 'write' or 'read-write', received the string "rw"/,
    );
    rejects(
      () =>
        new ReliableConsumer(stack, 'Capture', {
          entry,
          queue: new ReliableQueue(stack, 'Orders').queue,
        } as unknown as ConstructorParameters<typeof ReliableConsumer>[2]),
      /^ReliableConsumer Capture: queue must be a ReliableQueue, received a Queue \(Other\/Orders\/Queue\)\.$/,
    );
    rejects(
      consumer({ entry: undefined }),
      /entry must be the path of the handler's source file, received undefined/,
    );
  });
});

describe('ReliabilityAlarms', () => {
  it('with nothing to watch: our error, not CDK’s NoOperandsDetectedForAlarmRule', () => {
    const stack = new Stack(new App(), 'Test');
    rejects(
      () => new ReliabilityAlarms(stack, 'Alarms', { consumers: [] }),
      /^ReliabilityAlarms Alarms: consumers is empty and there are no producers: pass the ReliableConsumer/,
    );
  });

  it('a consumer without its function, or not a list', () => {
    const stack = new Stack(new App(), 'Test');
    const queue = new ReliableQueue(stack, 'Orders');
    rejects(
      () =>
        new ReliabilityAlarms(stack, 'Alarms', {
          consumers: [{ serviceName: 'capture', queue }] as never,
        }),
      /consumers\[0\]\.fn must be a Lambda function \(lambda\.IFunction\), received undefined/,
    );
    rejects(
      () => new ReliabilityAlarms(stack, 'Alarms2', { consumers: { serviceName: 'x', queue } as never }),
      /consumers must be an array/,
    );
  });
});
