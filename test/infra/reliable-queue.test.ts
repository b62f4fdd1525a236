import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { ReliableQueue } from '../../infra/constructs/index.ts';
import { ConfigurationError } from '../../lib/errors.ts';
import { scratchDir } from '../support/scratch.ts';

const synth = (build: (stack: Stack) => void) => {
  const stack = new Stack(new App(), 'Test');
  build(stack);
  return Template.fromStack(stack);
};

describe('ReliableQueue', () => {
  it('is FIFO with a FIFO dead-letter queue, encrypted, and redrives after maxReceiveCount', () => {
    const template = synth((stack) => new ReliableQueue(stack, 'Orders', { maxReceiveCount: 3 }));
    const queues = template.findResources('AWS::SQS::Queue');
    const [dlqId, dlq] = Object.entries(queues).find(([id]) => id.includes('DeadLetter'))!;
    const [, main] = Object.entries(queues).find(([id]) => !id.includes('DeadLetter'))!;

    expect(dlq.Properties).toMatchObject({
      FifoQueue: true,
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 1_209_600,
    });
    expect(main.Properties).toMatchObject({
      FifoQueue: true,
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 180,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] }, maxReceiveCount: 3 },
    });
    expect(main.Properties.QueueName).toMatch(/\.fifo$/);
  });

  it('lets only its own queue redrive into the DLQ, without a dependency cycle', () => {
    const template = synth((stack) => new ReliableQueue(stack, 'Orders'));
    const queues = Object.values(template.findResources('AWS::SQS::Queue'));
    const dlq = queues.find((q) => q.Properties.RedriveAllowPolicy)!;
    const main = queues.find((q) => q.Properties.RedrivePolicy)!;
    const policy = dlq.Properties.RedriveAllowPolicy;
    expect(policy.redrivePermission).toBe('byQueue');
    expect(policy.sourceQueueArns).toHaveLength(1);
    const arnParts = policy.sourceQueueArns[0]['Fn::Join'][1] as unknown[];
    expect(arnParts.at(-1)).toBe(`:${main.Properties.QueueName}`);
    expect(JSON.stringify(policy)).not.toContain('Fn::GetAtt');
  });

  it('denies every request not made over TLS, on both queues', () => {
    const template = synth((stack) => new ReliableQueue(stack, 'Orders'));
    template.resourceCountIs('AWS::SQS::QueuePolicy', 2);
    template.allResourcesProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 'sqs:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('turns on content-based deduplication and high-throughput FIFO when asked', () => {
    const template = synth(
      (stack) =>
        new ReliableQueue(stack, 'Orders', { contentBasedDeduplication: true, highThroughput: true }),
    );
    template.hasResourceProperties('AWS::SQS::Queue', {
      ContentBasedDeduplication: true,
      DeduplicationScope: 'messageGroup',
      FifoThroughputLimit: 'perMessageGroupId',
    });
  });

  it('a standard queue gets a standard DLQ', () => {
    const template = synth((stack) => new ReliableQueue(stack, 'Events', { fifo: false }));
    for (const queue of Object.values(template.findResources('AWS::SQS::Queue')))
      expect(queue.Properties.FifoQueue).toBeUndefined();
  });

  it('rejects a FIFO queue with a standard dead-letter queue at synth time', () => {
    const stack = new Stack(new App(), 'Test');
    const standard = new sqs.Queue(stack, 'Standard');
    expect(() => new ReliableQueue(stack, 'Orders', { deadLetterQueue: standard })).toThrow(
      ConfigurationError,
    );
    expect(() => new ReliableQueue(stack, 'Orders2', { deadLetterQueue: standard })).toThrow(
      /a FIFO queue needs a FIFO dead-letter queue, but Standard is standard/,
    );
  });

  it('rejects FIFO-only options on a standard queue and a bad maxReceiveCount', () => {
    const stack = new Stack(new App(), 'Test');
    expect(() => new ReliableQueue(stack, 'A', { fifo: false, highThroughput: true })).toThrow(
      /FIFO queues only/,
    );
    expect(() => new ReliableQueue(stack, 'B', { maxReceiveCount: 0 })).toThrow(
      /maxReceiveCount must be an integer from 1 to 1000/,
    );
    expect(
      new ReliableQueue(stack, 'C', {
        visibilityTimeout: Duration.minutes(10),
      }).visibilityTimeout.toSeconds(),
    ).toBe(600);
  });
});

describe('ReliableQueue.grantDeadLetterReplay', () => {
  const nagDirs = [scratchDir('replay-grant-nag'), scratchDir('replay-grant-nag-careless')] as const;
  const statementsOf = (template: Template) =>
    Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[],
    );
  const actions = (statement: { Action: string | string[] }) => [statement.Action].flat().sort();

  it('grants receive, delete and visibility on the DLQ, send on the queue, and nothing else', () => {
    let ids: { queue: string; dlq: string } = { queue: '', dlq: '' };
    const template = synth((stack) => {
      const orders = new ReliableQueue(stack, 'Orders');
      const role = new iam.Role(stack, 'Operator', { assumedBy: new iam.AccountRootPrincipal() });
      orders.grantDeadLetterReplay(role);
      ids = {
        queue: stack.getLogicalId(orders.queue.node.defaultChild as sqs.CfnQueue),
        dlq: stack.getLogicalId(orders.deadLetterQueue.node.defaultChild as sqs.CfnQueue),
      };
    });
    const statements = statementsOf(template);
    expect(statements).toHaveLength(2);
    const on = (id: string) => statements.find((s) => JSON.stringify(s.Resource).includes(`"${id}"`))!;
    expect(actions(on(ids.dlq))).toEqual([
      'sqs:ChangeMessageVisibility',
      'sqs:DeleteMessage',
      'sqs:GetQueueAttributes',
      'sqs:GetQueueUrl',
      'sqs:ReceiveMessage',
    ]);
    expect(actions(on(ids.queue))).toEqual(['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage']);
    expect(on(ids.queue).Resource).toEqual({ 'Fn::GetAtt': [ids.queue, 'Arn'] });
    expect(JSON.stringify(statements)).not.toMatch(/"\*"|sqs:\*|kms:/);
  });

  it("adds kms:Decrypt on a customer-managed key of the DLQ, and the ledger table's put and update", () => {
    const template = synth((stack) => {
      const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
      const dlq = new sqs.Queue(stack, 'Dlq', {
        fifo: true,
        encryption: sqs.QueueEncryption.KMS,
        encryptionMasterKey: key,
      });
      const ledger = new dynamodb.Table(stack, 'Ledger', {
        partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      });
      const role = new iam.Role(stack, 'Operator', { assumedBy: new iam.AccountRootPrincipal() });
      new ReliableQueue(stack, 'Orders', { deadLetterQueue: dlq }).grantDeadLetterReplay(role, { ledger });
    });
    const statements = statementsOf(template);
    expect(statements.map(actions)).toEqual(
      expect.arrayContaining([['kms:Decrypt'], ['dynamodb:PutItem', 'dynamodb:UpdateItem']]),
    );
    expect(JSON.stringify(statements)).not.toMatch(/kms:(Encrypt|GenerateDataKey|ReEncrypt)/);
  });

  it('reads the idempotency table only when given it, and updates only its fence items with discard', () => {
    let tableId = '';
    const template = synth((stack) => {
      const idempotency = new dynamodb.Table(stack, 'Idempotency', {
        partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      });
      tableId = stack.getLogicalId(idempotency.node.defaultChild as dynamodb.CfnTable);
      const orders = new ReliableQueue(stack, 'Orders');
      const reader = new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
      orders.grantDeadLetterReplay(reader, { idempotencyTable: idempotency });
      const discarder = new iam.Role(stack, 'Discarder', { assumedBy: new iam.AccountRootPrincipal() });
      orders.grantDeadLetterReplay(discarder, { idempotencyTable: idempotency, discard: true });
      expect(() => orders.grantDeadLetterReplay(discarder, { discard: true })).toThrow(
        /pass idempotencyTable/,
      );
    });
    const policies = Object.values(template.findResources('AWS::IAM::Policy'));
    const dynamoOf = (role: string) =>
      policies
        .filter((p) => JSON.stringify(p.Properties.Roles).includes(role))
        .flatMap((p) => p.Properties.PolicyDocument.Statement as Record<string, unknown>[])
        .filter((st) => JSON.stringify(st.Action).includes('dynamodb:'));
    const reads = dynamoOf('Reader');
    expect(reads.map((st) => actions(st as { Action: string[] }))).toEqual([
      ['dynamodb:BatchGetItem', 'dynamodb:GetItem'],
    ]);
    expect(JSON.stringify(reads[0]?.Resource)).toContain(tableId);
    const discards = dynamoOf('Discarder');
    const update = discards.find((st) => JSON.stringify(st.Action).includes('UpdateItem'));
    // This queue's fence items only: fence#<its name>#*.
    expect(JSON.stringify(update?.Condition)).toMatch(
      /^\{"ForAllValues:StringLike":\{"dynamodb:LeadingKeys":\[\{"Fn::Join":\["",\["fence#",\{"Fn::GetAtt":\["OrdersQueue[0-9A-F]+","QueueName"\]\},"#\*"\]\]\}\]\}\}$/,
    );
    expect(discards.flatMap((st) => [st.Action].flat()).sort()).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:GetItem',
      'dynamodb:UpdateItem',
    ]);
  });

  it('keeps cdk-nag AwsSolutions clean', () => {
    const app = new App({ outdir: nagDirs[0] });
    const stack = new Stack(app, 'Replay');
    const role = new iam.Role(stack, 'Operator', { assumedBy: new iam.AccountRootPrincipal() });
    const idempotency = new dynamodb.Table(stack, 'Idempotency', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    });
    new ReliableQueue(stack, 'Orders').grantDeadLetterReplay(role, {
      idempotencyTable: idempotency,
      discard: true,
    });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
    // Live: the same app with a wildcard grant fails.
    const careless = new App({ outdir: nagDirs[1] });
    const other = new Stack(careless, 'Replay');
    const wide = new iam.Role(other, 'Operator', { assumedBy: new iam.AccountRootPrincipal() });
    new ReliableQueue(other, 'Orders').deadLetterQueue.grant(wide, 'sqs:*');
    Validations.of(careless).addPlugins(new AwsSolutionsChecks(careless));
    expect(() => careless.synth()).toThrow(/AwsSolutions-IAM5/);
  }, 60_000);
});
