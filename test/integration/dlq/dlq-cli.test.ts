import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { deployLocal } from '../../../lib/local/index.ts';
import { createTable, localClients, messagesIn, uniqueName } from '../../support/local.ts';
import { createQueue, deadLetter, drain, order } from './support.ts';

const root = join(import.meta.dirname, '../../..');
const main = join(root, 'lib/cli/main.ts');
mkdirSync(join(root, '.local'), { recursive: true });
const scratch = mkdtempSync(join(root, '.local/dlq-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const { sqs, stack, dynamodb } = localClients();
const { AWS_ENDPOINT_URL_SQS: _, ...environment } = process.env;
const run = (args: string[], cwd = scratch, env: Record<string, string> = {}) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [main, 'dlq', ...args],
      { cwd, env: { ...environment, AWS_REGION: stack.region, ...env }, timeout: 60_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
const endpoint = ['--endpoint', stack.sqs.endpoint];

describe('reliable-events dlq on the local stack', () => {
  it('stats and show name the error, source and group; bodies only with --body', async () => {
    const dlq = await createQueue(sqs, 'dlq', true);
    await deadLetter(sqs, dlq.url, 'orders.fifo', order('o1', { group: 'customer-1' }));
    await deadLetter(sqs, dlq.url, 'orders.fifo', order('o2', { group: 'customer-2' }));

    const stats = await run(['stats', dlq.url, ...endpoint, '--visibility-timeout', '5']);
    expect(stats.code).toBe(0);
    expect(stats.stdout).toContain(`dead-letter queue ${dlq.name}`);
    expect(stats.stdout).toMatch(/by source\s+orders\.fifo 2/);
    expect(stats.stdout).toMatch(/by error\s+MessageValidationError 2/);
    expect(stats.stdout).toMatch(/by group\s+customer-1 1 · customer-2 1/);
    expect(stats.stdout).toContain('added 1 to its receive count');

    const show = await run(['show', dlq.url, ...endpoint]);
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/source orders\.fifo \(message o1\)/);
    expect(show.stdout).toContain('error  MessageValidationError: amount must be positive');
    expect(show.stdout).toContain('group  customer-2');
    expect(`${show.stdout}${show.stderr}`).not.toContain('card-o1');
    const withBody = await run(['show', dlq.url, ...endpoint, '--body']);
    expect(withBody.stdout).toContain('"secret":"card-o1"');
    expect(await messagesIn(sqs, dlq.url)).toBe(2);
  });

  it('stats says when a FIFO group has more than a read can see', async () => {
    const dlq = await createQueue(sqs, 'dlq', true);
    for (let i = 0; i < 11; i++)
      await deadLetter(sqs, dlq.url, 'orders.fifo', order(`o${i}`, { group: 'g' }));
    const stats = await run(['stats', dlq.url, ...endpoint, '--visibility-timeout', '5']);
    expect(stats.stdout).toContain(
      '10 read of ~11 in the queue (FIFO: a read sees at most 10 messages of a group',
    );
    const show = await run(['show', dlq.url, ...endpoint, '--limit', '3']);
    expect(show.stdout).toContain('3 read of ~11 in the queue\n');
  });

  it('replay: a dry run first, then the replay; what cannot be placed stays, named, and the exit code is 1', async () => {
    const dlq = await createQueue(sqs, 'dlq');
    const orders = await createQueue(sqs, 'orders');
    await deadLetter(sqs, dlq.url, orders.name, order('o1'));
    await deadLetter(sqs, dlq.url, 'deleted-long-ago', order('o2'));

    const dry = await run(['replay', dlq.url, ...endpoint, '--dry-run']);
    expect(dry.stdout).toContain('would replay 1');
    expect(await messagesIn(sqs, orders.url)).toBe(0);

    const replay = await run(['replay', dlq.url, ...endpoint, '--rate', '20']);
    expect(replay.code).toBe(1);
    expect(replay.stdout).toContain('replayed 1 · already replayed 0 · held 1');
    expect(replay.stdout).toContain('1   source queue deleted-long-ago does not exist');
    expect(`${replay.stdout}${replay.stderr}`).not.toContain('card-');
    expect((await drain(sqs, orders.url)).map((m) => m.Body)).toEqual([expect.stringContaining('"o1"')]);
    expect(await messagesIn(sqs, dlq.url)).toBe(1);
  });

  it('replay --ledger-table on the local stack records each replay in its DynamoDB Local', async () => {
    const dlq = await createQueue(sqs, 'dlq');
    const orders = await createQueue(sqs, 'orders');
    await deadLetter(sqs, dlq.url, orders.name, order('o1'));
    const table = await createTable(dynamodb, 'replay-ledger');
    const withoutEndpoint = await run(['replay', dlq.url, '--local', ...endpoint, '--ledger-table', table]);
    expect(withoutEndpoint.code).toBe(2);
    expect(withoutEndpoint.stderr).toContain('--ledger-table on the local stack needs its DynamoDB endpoint');
    expect(await messagesIn(sqs, dlq.url)).toBe(1);
    const replay = await run(['replay', dlq.url, '--local', ...endpoint, '--ledger-table', table], scratch, {
      AWS_ENDPOINT_URL_DYNAMODB: stack.dynamodb.endpoint,
    });
    expect(replay.stdout).toContain('replayed 1 · already replayed 0 · held 0');
    const { Item } = await dynamodb.send(
      new GetItemCommand({ TableName: table, Key: { pk: { S: 'replay#o1' } } }),
    );
    expect(Item?.status).toEqual({ S: 'sent' });
    expect(await messagesIn(sqs, orders.url)).toBe(1);
  });

  it('export writes one JSON line per message, readable by its owner only, and never overwrites', async () => {
    const dlq = await createQueue(sqs, 'dlq', true);
    await deadLetter(
      sqs,
      dlq.url,
      'orders.fifo',
      order('o1', { group: 'g', attributes: { k: { stringValue: 'v', dataType: 'String' } } }),
    );
    const file = join(scratch, `${uniqueName('export')}.jsonl`);
    const exported = await run(['export', dlq.url, ...endpoint, '--to', file]);
    expect(exported.stdout).toContain(`1 of ~1 messages → ${file}`);
    const [line, ...rest] = readFileSync(file, 'utf8').trim().split('\n');
    expect(rest).toEqual([]);
    expect(JSON.parse(line!)).toMatchObject({
      deadLetterQueueUrl: dlq.url,
      replayId: 'o1',
      body: expect.stringContaining('card-o1'),
      attributes: { k: { DataType: 'String', StringValue: 'v' } },
      groupId: 'g',
      deduplicationId: 'o1',
      source: { queue: 'orders.fifo', messageId: 'o1', recordedBy: 'reliable-events' },
      error: { name: 'MessageValidationError' },
    });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const again = await run(['export', dlq.url, ...endpoint, '--to', file]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('exists: choose a new file');
    expect(await messagesIn(sqs, dlq.url)).toBe(1);
  });

  it('finds the DLQ from a source queue name, a logical id or a stack output of the app deployed by reliable-events local', async () => {
    const stackName = uniqueName('Shop');
    const template = {
      Resources: {
        OrdersQueue1A2B: {
          Type: 'AWS::SQS::Queue',
          Properties: {
            QueueName: `${stackName}-orders`,
            RedrivePolicy: {
              deadLetterTargetArn: { 'Fn::GetAtt': ['OrdersDeadLetterQueue9F8E', 'Arn'] },
              maxReceiveCount: 3,
            },
          },
        },
        OrdersDeadLetterQueue9F8E: { Type: 'AWS::SQS::Queue', Properties: {} },
      },
      Outputs: { OrdersDlqUrl: { Value: { Ref: 'OrdersDeadLetterQueue9F8E' } } },
    };
    const dir = join(scratch, stackName);
    mkdirSync(join(dir, 'cdk.out'), { recursive: true });
    writeFileSync(join(dir, 'cdk.out', `${stackName}.template.json`), JSON.stringify(template));
    const deployment = await deployLocal({ stack, assembly: join(dir, 'cdk.out') });
    const dlq = deployment.queues.find((q) => q.logicalId === 'OrdersDeadLetterQueue9F8E')!;
    await deadLetter(sqs, dlq.url, `${stackName}-orders`, order('o1'));

    for (const ref of [`${stackName}-orders`, 'OrdersDeadLetter', 'OrdersQueue', 'OrdersDlqUrl']) {
      const result = await run(['stats', ref, '--local', ...endpoint, '--assembly', 'cdk.out'], dir);
      expect(result.stderr).toBe('');
      expect(result.stdout).toContain(`dead-letter queue ${dlq.name}  ${dlq.url}`);
    }
    const all = await run(['stats', '--local', ...endpoint, '--assembly', 'cdk.out'], dir);
    expect(all.stdout).toMatch(/1 read of ~1/);
  });

  it('bad input: one line naming what to fix, exit 2, nothing touched', async () => {
    const missing = await run(['stats', 'no-such-queue', ...endpoint], scratch);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toMatch(
      /^reliable-events: No queue named no-such-queue: pass its URL or name, or run in the CDK project/,
    );
    const noEndpoint = await run(['stats', 'x', '--local']);
    expect(noEndpoint.code).toBe(2);
    expect(noEndpoint.stderr).toContain(
      '--local needs the SQS endpoint that "reliable-events local" printed',
    );
    const closed = await new Promise<number>((done) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => done(port));
      });
    });
    const down = await run(['stats', 'x', '--endpoint', `http://127.0.0.1:${closed}`]);
    expect(down.code).toBe(2);
    expect(down.stderr.trim()).toBe(
      `reliable-events: Nothing answers at http://127.0.0.1:${closed}: start "reliable-events local" (it prints its SQS endpoint), or pass the endpoint of the one running.`,
    );
    const badSince = await run(['replay', 'x', ...endpoint, '--since', 'yesterday']);
    expect(badSince.code).toBe(2);
    expect(badSince.stderr).toContain("option '--since <when>' argument 'yesterday' is invalid");
  });
});
