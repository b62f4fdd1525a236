import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../infra/app.ts';
import { ConfigurationError } from '../../lib/errors.ts';
import { scratchDir } from '../support/scratch.ts';

type Resource = { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, unknown> };

let scratch = '';
const synth = (context: Record<string, unknown>) => {
  const app = createApp(new App({ outdir: mkdtempSync(join(scratch, 'app-')), context }));
  const template = Template.fromJSON(app.synth().getStackByName('ReliableEventsOrderPayments').template);
  return Object.values(template.toJSON().Resources as Record<string, Resource>);
};
const captureOf = (resources: Resource[]) =>
  resources.find(
    (r) =>
      r.Type === 'AWS::Lambda::Function' && JSON.stringify(r.Metadata ?? {}).includes('capture-payment.ts'),
  )!;

describe('the example app context', () => {
  scratch = scratchDir('cdk-context');
  it('shortens the consumers timeout and keeps every queue visibility at six times it', () => {
    const resources = synth({
      functionTimeoutSeconds: 2,
      deliveryMode: 'at-least-once',
      idempotencyCommit: 'optimistic',
    });
    const capture = captureOf(resources);
    expect(capture.Properties.Timeout).toBe(2);
    expect(capture.Properties.Environment).toMatchObject({
      Variables: { DELIVERY_MODE: 'at-least-once', IDEMPOTENCY_COMMIT: 'optimistic' },
    });
    const sourceQueues = resources.filter((r) => r.Type === 'AWS::SQS::Queue' && r.Properties.RedrivePolicy);
    expect(sourceQueues).toHaveLength(2);
    for (const queue of sourceQueues) expect(queue.Properties.VisibilityTimeout).toBe(12);
  }, 60_000);

  it('defaults to 30 s, three-minute visibility, and exactly-once capture', () => {
    const resources = synth({});
    const capture = captureOf(resources);
    expect(capture.Properties.Timeout).toBe(30);
    expect(capture.Properties.Environment).toMatchObject({
      Variables: { DELIVERY_MODE: 'exactly-once', IDEMPOTENCY_COMMIT: 'lease', GROUP_COMMIT: 'false' },
    });
    const sourceQueues = resources.filter((r) => r.Type === 'AWS::SQS::Queue' && r.Properties.RedrivePolicy);
    for (const queue of sourceQueues) expect(queue.Properties.VisibilityTimeout).toBe(180);
  }, 60_000);

  it('selects the effect-conditional commit and group commit', () => {
    const capture = captureOf(synth({ idempotencyCommit: 'effect-conditional', groupCommit: 'true' }));
    expect(capture.Properties.Environment).toMatchObject({
      Variables: { IDEMPOTENCY_COMMIT: 'effect-conditional', GROUP_COMMIT: 'true' },
    });
    expect(() => synth({ groupCommit: 'yes' })).toThrow(/groupCommit must be true or false/);
  }, 60_000);

  it('rejects a timeout outside Lambda range and an unknown delivery mode, naming the context key', () => {
    expect(() => synth({ functionTimeoutSeconds: 0 })).toThrow(ConfigurationError);
    expect(() => synth({ functionTimeoutSeconds: 'soon' })).toThrow(/functionTimeoutSeconds/);
    expect(() => synth({ deliveryMode: 'twice' })).toThrow(/deliveryMode must be/);
    expect(() => synth({ idempotencyCommit: 'later' })).toThrow(
      /idempotencyCommit must be 'lease', 'optimistic' or 'effect-conditional'/,
    );
  });
});
