import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { describe, expect, it } from 'vitest';
import { ReliableQueue } from '../../infra/constructs/index.ts';

type Statement = { Action: string | string[]; Condition?: unknown; Resource?: unknown };
const statementsOf = (template: Template, role: string): Statement[] =>
  Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => JSON.stringify(p.Properties.Roles).includes(role))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);

describe('ReliableQueue.grantDeadLetterReplay on a shared idempotency table', () => {
  it("lets discard move only this queue's parks (fence#<this queue>#*), not every queue's sharing the table", () => {
    const stack = new Stack(new App(), 'Test');
    const idempotency = new dynamodb.Table(stack, 'Idempotency', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    });
    const orders = new ReliableQueue(stack, 'Orders');
    new ReliableQueue(stack, 'Payments');
    const ordersName: unknown = stack.resolve(orders.queue.queueName);
    const role = new iam.Role(stack, 'Operator', { assumedBy: new iam.AccountRootPrincipal() });
    orders.grantDeadLetterReplay(role, { idempotencyTable: idempotency, discard: true });
    const update = statementsOf(Template.fromStack(stack), 'Operator').find((st) =>
      JSON.stringify(st.Action).includes('UpdateItem'),
    );
    const leading = JSON.stringify(update?.Condition);
    // A bare fence#* also matches fence#<Payments' queue>#<group>: another queue's parks.
    expect(leading).not.toContain('"fence#*"');
    expect(leading).toContain(JSON.stringify(ordersName).slice(1, -1));
  });

  it("gives the KMS actions a customer-managed key on the idempotency table needs (the lookup's reads, discard's update)", () => {
    const stack = new Stack(new App(), 'Test');
    const key = new kms.Key(stack, 'TableKey');
    const idempotency = new dynamodb.Table(stack, 'Idempotency', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: key,
    });
    const orders = new ReliableQueue(stack, 'Orders');
    const reader = new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
    orders.grantDeadLetterReplay(reader, { idempotencyTable: idempotency });
    const template = Template.fromStack(stack);
    const keyId = stack.getLogicalId(key.node.defaultChild as kms.CfnKey);
    const onKey = [
      ...statementsOf(template, 'Reader'),
      // A key policy statement naming the role would do as well.
      ...(
        (Object.values(template.findResources('AWS::KMS::Key'))[0]?.Properties.KeyPolicy.Statement ??
          []) as Statement[]
      ).filter((st) => JSON.stringify(st).includes('Reader')),
    ].filter((st) => JSON.stringify(st.Action).includes('kms:Decrypt'));
    expect(onKey.length).toBeGreaterThan(0);
    expect(JSON.stringify(onKey)).toContain(keyId);
  });
});
