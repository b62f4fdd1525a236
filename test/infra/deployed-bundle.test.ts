import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReliableConsumer, ReliableQueue } from '../../infra/constructs/index.ts';
import { DeadLetterAttribute } from '../../lib/sqs/index.ts';
import { createFifoQueue, localClients, uniqueName } from '../support/local.ts';
import { FIFO_ARN, sqsEvent, sqsRecord } from '../support/sqs-events.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const entry = fileURLToPath(new URL('./fixtures/validating-handler.ts', import.meta.url));
// Inside the repository, so the bundle's external @aws-sdk/* imports resolve from node_modules
// as they resolve from the Lambda runtime's own copy.
const outdir = join(root, 'node_modules', '.cache', uniqueName('deployed-bundle'));

/**
 * Synthesizes a stack with two consumers, one with the default bundling and one with a source
 * map, and returns each one's function properties and the directory of its bundled asset.
 */
const synthConsumers = () => {
  const app = new App({ outdir });
  const stack = new Stack(app, 'Bundle');
  const queue = new ReliableQueue(stack, 'Orders');
  const consumers = {
    plain: new ReliableConsumer(stack, 'Validate', { entry, queue }),
    mapped: new ReliableConsumer(stack, 'Mapped', { entry, queue, sourceMap: true }),
  };
  const template = app.synth().getStackByName('Bundle').template;
  const functionOf = (consumer: ReliableConsumer) => {
    const logicalId = stack.getLogicalId(consumer.fn.node.defaultChild as CfnElement);
    const properties = template.Resources[logicalId].Properties;
    const asset = join(outdir, `asset.${String(properties.Code.S3Key).replace(/\.zip$/, '')}`);
    return { environment: properties.Environment.Variables as Record<string, string>, asset };
  };
  return { plain: functionOf(consumers.plain), mapped: functionOf(consumers.mapped) };
};

// Runs the bundle in a process of its own, as Lambda would: only the environment the function gets.
const invoke = async (bundle: string, environment: Record<string, string>, event: unknown) => {
  const script = `const { handler } = await import(${JSON.stringify(join(bundle, 'index.mjs'))});
    console.log('RESULT ' + JSON.stringify(await handler(${JSON.stringify(event)}, { getRemainingTimeInMillis: () => 30000, functionName: 'Validate' })));`;
  const { stdout, stderr } = await promisify(execFile)(
    process.execPath,
    ['--input-type=module', '-e', script],
    { env: { PATH: process.env.PATH ?? '', ...environment } },
  );
  return stdout + stderr;
};

describe('the bundle ReliableConsumer deploys', () => {
  let functions: ReturnType<typeof synthConsumers>;
  beforeAll(() => {
    functions = synthConsumers();
  }, 120_000);
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it("dead-letters failing records under their errors' class names, ours and the user's, not minified ones", async () => {
    const { stack, sqs } = localClients();
    const dlq = await createFifoQueue(sqs, 'bundle-dlq');
    const output = await invoke(
      functions.plain.asset,
      {
        DEAD_LETTER_QUEUE_URL: dlq,
        AWS_ENDPOINT_URL_SQS: stack.sqs.endpoint,
        AWS_REGION: stack.region,
        AWS_ACCESS_KEY_ID: stack.credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: stack.credentials.secretAccessKey,
      },
      sqsEvent(
        sqsRecord('m1', { amount: 'ten' }, { group: 'g1', arn: FIFO_ARN }),
        sqsRecord('m2', { amount: -1 }, { group: 'g2', arn: FIFO_ARN }),
      ),
    );
    expect(output).toContain('RESULT {"batchItemFailures":[]}');
    const names = new Map<string, string | undefined>();
    for (let attempt = 0; attempt < 5 && names.size < 2; attempt++) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: dlq,
          MessageAttributeNames: ['All'],
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
        }),
      );
      for (const message of Messages) {
        const attributes = message.MessageAttributes ?? {};
        names.set(
          attributes[DeadLetterAttribute.SourceMessageId]?.StringValue ?? '',
          attributes[DeadLetterAttribute.ErrorName]?.StringValue,
        );
      }
    }
    expect(Object.fromEntries(names)).toEqual({ m1: 'MessageValidationError', m2: 'CardDeclinedError' });
    expect(output).toContain('"errorName":"MessageValidationError"');
    expect(output).toContain('"errorName":"CardDeclinedError"');
  });

  it('ships no source map and no --enable-source-maps by default; both with sourceMap: true', () => {
    const { plain, mapped } = functions;
    expect(readdirSync(plain.asset)).toEqual(['index.mjs']);
    expect(readFileSync(join(plain.asset, 'index.mjs'), 'utf8')).not.toContain('sourceMappingURL');
    expect(plain.environment.NODE_OPTIONS).toBeUndefined();
    expect(readdirSync(mapped.asset).sort()).toEqual(['index.mjs', 'index.mjs.map']);
    expect(readFileSync(join(mapped.asset, 'index.mjs'), 'utf8')).toContain('sourceMappingURL=index.mjs.map');
    expect(mapped.environment.NODE_OPTIONS).toBe('--enable-source-maps');
  });
});
