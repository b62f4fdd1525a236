import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { type FaultRates, verifyDefaults } from '../../../lib/verify/options.ts';
import { runVerify } from '../../../lib/verify/run.ts';
import type { DeliveryPromise, Scenario } from '../../../lib/verify/scenario.ts';
import { localClients } from '../../support/local.ts';
import { scratchDir } from '../../support/scratch.ts';

const { stack } = localClients();
const noFaults = Object.fromEntries(Object.keys(verifyDefaults.rates).map((k) => [k, 0])) as FaultRates;

// A plain consumer that adds 1 to its message's item each time it runs: a duplicate shows as 2.
// It records the message's `kind` attribute, so the scenario sees the attributes arrive.
const naiveConsumer = `const { DynamoDBClient, UpdateItemCommand } = require('@aws-sdk/client-dynamodb');
const client = new DynamoDBClient({});
exports.handler = async (event) => {
  for (const record of event.Records) {
    const { id } = JSON.parse(record.body);
    await client.send(new UpdateItemCommand({
      TableName: process.env.TABLE,
      Key: { pk: { S: id } },
      UpdateExpression: 'ADD applied :one SET kind = :kind',
      ExpressionAttributeValues: { ':one': { N: '1' }, ':kind': { S: record.messageAttributes.kind?.stringValue ?? 'none' } },
    }));
  }
};
`;

describe('verify: a scenario with two workloads, each with its own promise', () => {
  const root = scratchDir('verify-workloads');
  mkdirSync(join(root, 'consumer'));
  writeFileSync(join(root, 'consumer/index.js'), naiveConsumer);
  const outdir = join(root, 'cdk.out');
  const app = new App({ outdir });
  const stackOf = new Stack(app, 'TwoQueues');
  for (const id of ['Orders', 'Audit']) {
    const table = new dynamodb.Table(stackOf, `${id}Table`, {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    });
    const fn = new lambda.Function(stackOf, `${id}Consumer`, {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromAsset(join(root, 'consumer')),
      timeout: Duration.seconds(10),
      environment: { TABLE: table.tableName },
    });
    fn.addEventSource(new SqsEventSource(new sqs.Queue(stackOf, `${id}Queue`), { batchSize: 5 }));
  }
  app.synth();

  const applied =
    (table: string, kind: string) =>
    async ({ scan }: { scan: (t: string) => Promise<Record<string, unknown>[]> }) =>
      new Map(
        (await scan(table)).filter((i) => i.kind === kind).map((i) => [String(i.pk), Number(i.applied)]),
      );
  const scenario = (audit: DeliveryPromise): Scenario => ({
    queue: 'OrdersQueue',
    promise: 'at-least-once',
    message: (i) => ({
      key: `order-${i}`,
      group: 'g',
      body: { id: `order-${i}` },
      attributes: { kind: 'order' },
    }),
    effects: applied('OrdersTable', 'order'),
    workloads: [
      {
        queue: 'AuditQueue',
        promise: audit,
        message: (i) => ({
          key: `audit-${i}`,
          group: 'g',
          body: { id: `audit-${i}` },
          attributes: { kind: 'audit' },
        }),
        effects: applied('AuditTable', 'audit'),
      },
    ],
  });
  const verify = (audit: DeliveryPromise) =>
    runVerify({
      assembly: outdir,
      scenario: scenario(audit),
      stack,
      options: {
        ...verifyDefaults,
        messages: 20,
        groups: 1,
        seed: 5,
        drainTimeoutSeconds: 120,
        rates: { ...noFaults, concurrentDuplicate: 0.3 },
      },
    });

  it('drives both queues, injects faults into both consumers, and holds an at-least-once workload to no loss only', async () => {
    const report = await verify('at-least-once');
    expect(report.workloads).toHaveLength(1);
    const audit = report.workloads[0]!;
    expect(audit).toMatchObject({
      queue: expect.stringMatching(/^AuditQueue/),
      promise: 'at-least-once',
      messages: 20,
      sent: 20,
    });
    // The duplicates injected into the audit consumer applied twice: counted, and allowed.
    expect(audit.lost).toBe(0);
    expect(audit.duplicateEffects).toBeGreaterThan(0);
    expect(audit.invariants[0]).toMatchObject({
      name: 'every non-poison message has an effect (at-least-once: duplicates allowed)',
      ok: true,
    });
    // Every audit message arrived with its attribute (the effects count only kind=audit items).
    expect(audit.effects).toBe(20);
    expect(report.effects).toBe(20);
    expect(report.ok).toBe(true);
  }, 300_000);

  it('the same duplicates fail the run when the audit workload promises exactly-once', async () => {
    const report = await verify('exactly-once');
    const audit = report.workloads[0]!;
    expect(audit.duplicateEffects).toBeGreaterThan(0);
    expect(audit.invariants[0]).toMatchObject({
      name: 'every non-poison message has exactly one effect',
      ok: false,
    });
    expect(report.ok).toBe(false);
  }, 300_000);
});
