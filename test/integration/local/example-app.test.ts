import { DescribeTableCommand, DescribeTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
} from '@aws-sdk/client-sqs';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { App } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../infra/app.ts';
import {
  type CloudFormationTemplate,
  deployLocal,
  type LocalDeployment,
  readAssembly,
  startLocalRuntime,
} from '../../../lib/local/index.ts';
import { DeadLetterAttribute } from '../../../lib/sqs/index.ts';
import { localClients } from '../../support/local.ts';
import { scratchDir } from '../../support/scratch.ts';

const { stack, dynamodb, documents, sqs } = localClients();

describe('the example app on the local stack', () => {
  const outdir = scratchDir('example-app');
  const suffix = `${process.pid}-${Date.now() % 100000}`;
  let deployment: LocalDeployment;
  let template: CloudFormationTemplate;

  beforeAll(async () => {
    createApp(new App({ outdir })).synth();
    template = readAssembly(outdir)[0]!.template;
    // Table and queue names derive from the stack name: give this run its own, so runs never collide.
    deployment = await deployLocal({
      stack,
      assembly: outdir,
      nameSuffix: `${process.pid}-${Date.now() % 100000}`,
    });
  }, 60_000);

  it('creates every queue and table of the template, with its attributes, redrive, keys, TTL and streams', async () => {
    const resources = Object.entries(template.Resources ?? {});
    const templateQueues = resources.filter(([, r]) => r.Type === 'AWS::SQS::Queue');
    // Every name is this deployment's own: no two deployments of the app share a queue or table.
    const names = [...deployment.queues, ...deployment.tables].map((r) => r.name);
    const other = await deployLocal({ stack, assembly: outdir, nameSuffix: `${suffix}-other` });
    for (const name of [...other.queues, ...other.tables].map((r) => r.name))
      expect(names).not.toContain(name);
    for (const queue of deployment.queues.filter((q) => q.attributes.FifoQueue))
      expect(queue.name).toMatch(/\.fifo$/);
    expect(deployment.queues.map((q) => q.logicalId).sort()).toEqual(templateQueues.map(([id]) => id).sort());
    for (const [logicalId, resource] of templateQueues) {
      const local = deployment.queues.find((q) => q.logicalId === logicalId)!;
      const { Attributes = {} } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: local.url, AttributeNames: ['All'] }),
      );
      const props = resource.Properties ?? {};
      expect(Attributes.FifoQueue === 'true').toBe(props.FifoQueue === true);
      if (props.VisibilityTimeout !== undefined)
        expect(Attributes.VisibilityTimeout).toBe(String(props.VisibilityTimeout));
      if (props.MessageRetentionPeriod !== undefined)
        expect(Attributes.MessageRetentionPeriod).toBe(String(props.MessageRetentionPeriod));
      const redrive = props.RedrivePolicy as
        | { maxReceiveCount: number; deadLetterTargetArn: { 'Fn::GetAtt': [string] } }
        | undefined;
      if (redrive) {
        const policy = JSON.parse(Attributes.RedrivePolicy ?? '{}');
        expect(policy.maxReceiveCount).toBe(redrive.maxReceiveCount);
        expect(policy.deadLetterTargetArn).toBe(
          deployment.queues.find((q) => q.logicalId === redrive.deadLetterTargetArn['Fn::GetAtt'][0])?.arn,
        );
      }
    }

    const templateTables = resources.filter(([, r]) => r.Type === 'AWS::DynamoDB::Table');
    expect(deployment.tables).toHaveLength(templateTables.length);
    for (const [logicalId, resource] of templateTables) {
      const local = deployment.tables.find((t) => t.logicalId === logicalId)!;
      const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: local.name }));
      expect(Table?.KeySchema).toEqual(resource.Properties?.KeySchema);
      const ttl = await dynamodb.send(new DescribeTimeToLiveCommand({ TableName: local.name }));
      const expectedTtl = (
        resource.Properties?.TimeToLiveSpecification as { AttributeName?: string } | undefined
      )?.AttributeName;
      expect(ttl.TimeToLiveDescription?.AttributeName).toBe(expectedTtl);
      const stream = (resource.Properties?.StreamSpecification as { StreamViewType?: string } | undefined)
        ?.StreamViewType;
      expect(Table?.StreamSpecification?.StreamViewType).toBe(stream);
    }
  });

  it('runs each function from its synthesized asset and resolves its environment to the local resources', () => {
    expect(deployment.functions.map((f) => f.logicalId.replace(/Handler.*/, '')).sort()).toEqual([
      'CapturePayment',
      'NotifyCustomer',
      'RelayOrderEvents',
    ]);
    for (const fn of deployment.functions) {
      expect(fn.code).toBe('asset');
      expect(fn.entry).toMatch(new RegExp(`^${outdir}/asset\\.[0-9a-f]{64}/index\\.mjs$`));
    }
    expect(deployment.notRun.filter((f) => !f.reason.startsWith('no SQS'))).toEqual([]);
    const capture = deployment.functions.find((f) => f.logicalId.startsWith('CapturePayment'))!;
    expect(capture.environment.IDEMPOTENCY_TABLE).toBe(
      deployment.tables.find((t) => t.logicalId.startsWith('IdempotencyTable'))?.name,
    );
    expect(capture.environment.DEAD_LETTER_QUEUE_URL).toMatch(
      /^http:\/\/127\.0\.0\.1:\d+\/000000000000\/.*DeadLetter.*\.fifo$/,
    );
    expect(deployment.eventSources.map((s) => s.kind).sort()).toEqual(['dynamodb', 'sqs', 'sqs']);
  });

  it('processes orders end to end: order → payment → outbox → notification, each once, poison to the DLQ', async () => {
    const runtime = startLocalRuntime({ stack, deployment });
    try {
      const ordersUrl = deployment.outputs.OrdersQueueUrl!;
      const orders = Array.from({ length: 12 }, (_, i) => ({
        orderId: `o-${i}`,
        customerId: `c-${i % 3}`,
        amountCents: 100 + i,
        currency: 'EUR',
      }));
      const entries = [
        ...orders.map((order) => ({ body: order, dedup: order.orderId })),
        // The same order sent again under another deduplication id: SQS delivers it, idempotency stops it.
        { body: orders[0]!, dedup: 'o-0-resent' },
        { body: { orderId: 'bad', customerId: 'c-0', amountCents: -5, currency: 'EUR' }, dedup: 'bad' },
      ];
      for (let i = 0; i < entries.length; i += 10) {
        await sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: ordersUrl,
            Entries: entries.slice(i, i + 10).map((e, n) => ({
              Id: String(n),
              MessageBody: JSON.stringify(e.body),
              MessageGroupId: e.body.customerId,
              MessageDeduplicationId: e.dedup,
            })),
          }),
        );
      }

      const table = (prefix: string) => deployment.tables.find((t) => t.logicalId.startsWith(prefix))!.name;
      const count = async (prefix: string) =>
        (await documents.send(new ScanCommand({ TableName: table(prefix) }))).Items ?? [];
      const deadline = Date.now() + 40_000;
      while (Date.now() < deadline && (await count('Notifications')).length < orders.length)
        await new Promise((r) => setTimeout(r, 250));

      const payments = await count('Payments');
      const notifications = await count('Notifications');
      expect(payments.map((p) => p.pk).sort()).toEqual(orders.map((o) => o.orderId).sort());
      expect(notifications.map((n) => n.pk).sort()).toEqual(orders.map((o) => o.orderId).sort());
      const outbox = await count('Outbox');
      expect(outbox).toHaveLength(orders.length);
      for (const entry of outbox) expect(entry.sentAt).toBeTypeOf('number');

      const dlq = deployment.queues.find((q) => q.logicalId.startsWith('OrdersDeadLetter'))!;
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: dlq.url, WaitTimeSeconds: 1, MessageAttributeNames: ['All'] }),
      );
      expect(Messages.map((m) => JSON.parse(m.Body ?? '{}').orderId)).toEqual(['bad']);
      expect(Messages[0]?.MessageAttributes?.[DeadLetterAttribute.ErrorName]?.StringValue).toBe(
        'MessageValidationError',
      );

      const totals = runtime.metrics.totals();
      expect(totals).toMatchObject({
        MessagesSent: orders.length,
        DuplicatesSuppressed: 1,
        MessagesDeadLettered: 1,
      });
      expect(totals.MessagesProcessed).toBe(orders.length * 2);
    } finally {
      await runtime.stop();
    }
  }, 60_000);
});
