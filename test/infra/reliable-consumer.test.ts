import { fileURLToPath } from 'node:url';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { describe, expect, it } from 'vitest';
import {
  HANDLER_METADATA,
  IdempotencyTable,
  ReliableConsumer,
  ReliableQueue,
} from '../../infra/constructs/index.ts';
import { ConfigurationError } from '../../lib/errors.ts';

const entry = fileURLToPath(new URL('./fixtures/handler.ts', import.meta.url));

const build = (
  overrides: Partial<ConstructorParameters<typeof ReliableConsumer>[2]> = {},
  queueProps = {},
) => {
  const stack = new Stack(new App(), 'Test');
  const queue = new ReliableQueue(stack, 'Orders', queueProps);
  const idempotency = new IdempotencyTable(stack, 'Idempotency');
  const payments = new dynamodb.Table(stack, 'Payments', {
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
  });
  const consumer = new ReliableConsumer(stack, 'Capture', {
    entry,
    queue,
    idempotencyTable: idempotency.table,
    tables: { PAYMENTS_TABLE: { table: payments, access: 'write' } },
    maxConcurrency: 5,
    ...overrides,
  });
  return { stack, consumer, template: () => Template.fromStack(stack) };
};

describe('ReliableConsumer', () => {
  const { template: synth } = build();
  const template = synth();

  it('maps the queue with partial batch responses, batch size 10 and the concurrency cap', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 10,
      ScalingConfig: { MaximumConcurrency: 5 },
    });
  });

  it('runs on nodejs24.x on arm64 with its tables and DLQ in the environment, and records its handler source', () => {
    const fn = Object.values(template.findResources('AWS::Lambda::Function'))[0]!;
    expect(fn.Properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Timeout: 30,
    });
    expect(Object.keys(fn.Properties.Environment.Variables).sort()).toEqual(
      [
        'DEAD_LETTER_QUEUE_URL',
        'IDEMPOTENCY_TABLE',
        'MAX_RECEIVE_COUNT',
        'PAYMENTS_TABLE',
        'POWERTOOLS_SERVICE_NAME',
        'QUEUE_URL',
      ].sort(),
    );
    expect(fn.Properties.Environment.Variables.MAX_RECEIVE_COUNT).toBe('5');
    expect(fn.Metadata[HANDLER_METADATA]).toEqual({
      entry: 'test/infra/fixtures/handler.ts',
      handler: 'handler',
    });
  });

  it('grants least privilege: no * action, every resource one of the created ARNs', () => {
    const created = new Set(Object.keys(template.toJSON().Resources));
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p) => p.Properties.PolicyDocument.Statement,
    );
    expect(statements.length).toBeGreaterThan(0);
    for (const statement of statements) {
      for (const action of [statement.Action].flat()) expect(action).not.toMatch(/\*/);
      for (const resource of [statement.Resource].flat()) {
        const referenced = JSON.stringify(resource).match(/"(Fn::GetAtt|Ref)":\[?"([^"]+)"/)?.[2];
        expect(created.has(referenced ?? ''), `resource ${JSON.stringify(resource)}`).toBe(true);
      }
    }
    const idempotencyActions = statements.find((s) =>
      JSON.stringify(s.Resource).includes('Idempotency'),
    )?.Action;
    expect(idempotencyActions).toEqual([
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'dynamodb:ConditionCheckItem',
    ]);
  });

  it('uses its own role, not the AWS-managed basic execution policy', () => {
    for (const role of Object.values(template.findResources('AWS::IAM::Role')))
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  });

  it('rejects a visibility timeout under 6 × the function timeout, saying what to set', () => {
    expect(() => build({ timeout: Duration.minutes(1) }, { visibilityTimeout: Duration.minutes(5) })).toThrow(
      ConfigurationError,
    );
    expect(() => build({ timeout: Duration.minutes(1) }, { visibilityTimeout: Duration.minutes(5) })).toThrow(
      /visibility timeout \(300 s\) is less than 6 × the function timeout \(60 s\)\. Set visibilityTimeout: Duration\.seconds\(360\)/,
    );
  });

  it('rejects a batching window on a FIFO queue', () => {
    expect(() => build({ maxBatchingWindow: Duration.seconds(5) })).toThrow(
      /FIFO queues do not support a batching window/,
    );
  });

  it('rejects a FIFO batch size over 10 and a bad maxConcurrency', () => {
    expect(() => build({ batchSize: 20 })).toThrow(
      /batchSize must be an integer from 1 to 10 on a FIFO queue/,
    );
    expect(() => build({ maxConcurrency: 1 })).toThrow(/maxConcurrency must be an integer from 2 to 1000/);
  });

  it('allows a batching window on a standard queue', () => {
    const { template: standard } = build(
      { maxBatchingWindow: Duration.seconds(5), batchSize: 100 },
      { fifo: false },
    );
    standard().hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      MaximumBatchingWindowInSeconds: 5,
      BatchSize: 100,
    });
  });
});

describe('IdempotencyTable', () => {
  it('matches dynamoDBStore: pk string, TTL expiresAt, on demand, point-in-time recovery', () => {
    const { template } = build();
    template().hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });
});
