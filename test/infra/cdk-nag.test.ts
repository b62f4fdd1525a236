import { App, Stack } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../infra/app.ts';
import { scratchDir } from '../support/scratch.ts';

describe('cdk-nag AwsSolutions checks on the example app', () => {
  const outdir = scratchDir('cdk-nag');

  it('are live: an unencrypted queue without a DLQ added to the app fails synth', () => {
    const app = createApp(new App({ outdir }));
    const extra = new Stack(app, 'Careless');
    new sqs.Queue(extra, 'Plain', { encryption: sqs.QueueEncryption.UNENCRYPTED });
    expect(() => app.synth()).toThrow(/SQS Queue does not have server-side encryption enabled/);
  }, 60_000);
});
