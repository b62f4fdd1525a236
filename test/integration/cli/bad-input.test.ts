import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../../..');
const main = join(root, 'lib/cli/main.ts');
// Inside the repository, so the test apps resolve aws-cdk-lib from its node_modules.
mkdirSync(join(root, '.local'), { recursive: true });
const scratch = mkdtempSync(join(root, '.local/cli-bad-input-'));
// The command's temp dir: what it leaves there after any exit is a leak.
const tmp = mkdtempSync(join(root, '.local/cli-bad-input-tmp-'));
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
  rmSync(tmp, { recursive: true, force: true });
});
const leftInTmp = () => readdirSync(tmp).filter((name) => name.startsWith('reliable-events'));

let n = 0;
const project = (files: Record<string, string>) => {
  const dir = join(scratch, String(++n));
  mkdirSync(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
};
const run = (cwd: string, args: string[], env: Record<string, string> = {}) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [main, ...args],
      { cwd, env: { ...process.env, TMPDIR: tmp, ...env }, timeout: 90_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
const oneLine = (stderr: string) => stderr.trim().split('\n');

// A synthesized template by hand: one standard queue and nothing that consumes it.
const queueOnly = JSON.stringify({ Resources: { Jobs: { Type: 'AWS::SQS::Queue', Properties: {} } } });
// A project with that template already synthesized in cdk.out (used with --assembly cdk.out).
const queueOnlyProject = () => {
  const dir = project({});
  mkdirSync(join(dir, 'cdk.out'));
  writeFileSync(join(dir, 'cdk.out/Jobs.template.json'), queueOnly);
  return dir;
};
const scenarioText = (body: string) => `export default ${body};\n`;

describe('reliable-events: bad input is one line that says what to do, and exit 2', () => {
  it('no cdk.json and no --app', async () => {
    const result = await run(project({}), ['local']);
    expect(result.code).toBe(2);
    expect(oneLine(result.stderr)).toEqual([
      expect.stringMatching(
        /^reliable-events: No cdk\.json in .*: run this in your CDK project, or pass --app/,
      ),
    ]);
  });

  it("an app that fails to synthesize shows the app's error", async () => {
    const dir = project({
      'cdk.json': JSON.stringify({ app: 'node app.mjs' }),
      'app.mjs': "throw new Error('Bucket names must be lower case: MyBucket');\n",
    });
    const result = await run(dir, ['local']);
    expect(result.code).toBe(2);
    expect(oneLine(result.stderr)).toEqual([
      'reliable-events: The CDK app failed to synthesize (cdk synth exited 1): Error: Bucket names must be lower case: MyBucket (cdk synth shows the whole output)',
    ]);
    // The directory it synthesized into is gone.
    expect(leftInTmp()).toEqual([]);
  }, 60_000);

  it('a stack with no SQS consumers', async () => {
    const dir = queueOnlyProject();
    const result = await run(dir, ['local', '--assembly', 'cdk.out', '--seconds', '5']);
    expect(result.code).toBe(2);
    expect(oneLine(result.stderr)).toEqual([
      expect.stringMatching(
        /^reliable-events: The app has no Lambda function with an SQS or DynamoDB-stream event source that runs locally: add one/,
      ),
    ]);
  }, 60_000);

  it('--stack naming a stack the app does not have', async () => {
    const dir = queueOnlyProject();
    const result = await run(dir, ['local', '--assembly', 'cdk.out', '--stack', 'Nope']);
    expect(result.code).toBe(2);
    expect(oneLine(result.stderr)).toEqual(["reliable-events: --stack Nope: the app's stacks are Jobs."]);
  });

  it('a scenario module that throws, or exports the wrong shape', async () => {
    const throws = await run(project({ 'reliable-events.verify.mjs': "throw new Error('no config');\n" }), [
      'verify',
    ]);
    expect(throws.code).toBe(2);
    expect(oneLine(throws.stderr)).toEqual([
      expect.stringMatching(
        /^reliable-events: .*reliable-events\.verify\.mjs threw while loading: no config$/,
      ),
    ]);
    const wrong = await run(project({ 'reliable-events.verify.mjs': scenarioText("{ queue: 'Jobs' }") }), [
      'verify',
    ]);
    expect(wrong.code).toBe(2);
    expect(oneLine(wrong.stderr)).toEqual([
      expect.stringMatching(
        /must export default defineScenario\(\{ queue, message, effects, … \}\): message must be a function; effects must be a function\.$/,
      ),
    ]);
    const none = await run(project({}), ['verify']);
    expect(none.code).toBe(2);
    expect(oneLine(none.stderr)).toEqual([
      expect.stringMatching(/^reliable-events: No reliable-events\.verify\.ts in .*: write one/),
    ]);
    expect(leftInTmp()).toEqual([]);
  });

  it('a bundle that cannot load: one line naming the function and what to change', async () => {
    const dir = project({
      'reliable-events.verify.mjs': scenarioText(
        "{ queue: 'Jobs', message: (i) => ({ key: 'k' + i, group: 'g', body: { i } }), effects: async () => new Map() }",
      ),
    });
    mkdirSync(join(dir, 'cdk.out/asset.1a2b'), { recursive: true });
    // A CommonJS bundle that left out a package Lambda does not provide.
    writeFileSync(
      join(dir, 'cdk.out/asset.1a2b/index.js'),
      'const pad = require("left-pad");\nexports.handler = async () => pad;\n',
    );
    writeFileSync(
      join(dir, 'cdk.out/Jobs.template.json'),
      JSON.stringify({
        Resources: {
          Jobs: { Type: 'AWS::SQS::Queue', Properties: {} },
          Worker: {
            Type: 'AWS::Lambda::Function',
            Properties: { Runtime: 'nodejs22.x', Handler: 'index.handler' },
            Metadata: { 'aws:asset:path': 'asset.1a2b' },
          },
          WorkerJobs: {
            Type: 'AWS::Lambda::EventSourceMapping',
            Properties: {
              FunctionName: { Ref: 'Worker' },
              EventSourceArn: { 'Fn::GetAtt': ['Jobs', 'Arn'] },
            },
          },
        },
      }),
    );
    const result = await run(dir, ['verify', '--assembly', 'cdk.out', '--no-faults', '--quiet']);
    expect(result.code).toBe(2);
    expect(oneLine(result.stderr)).toEqual([
      'reliable-events: Worker cannot load cdk.out/asset.1a2b/index.js: it needs "left-pad", which is not in its asset, and Lambda provides only the AWS SDK v3 (@aws-sdk/*): bundle it (NodejsFunction bundles what is not in externalModules or nodeModules), or add it to the asset\'s node_modules',
    ]);
  }, 90_000);

  it('Java missing: says how to install it, and leaves nothing running', async () => {
    const dir = queueOnlyProject();
    const result = await run(dir, ['local', '--assembly', 'cdk.out'], { JAVA: join(dir, 'no-java') });
    // It exited by itself (no process or handle kept it alive) with one line.
    expect(result.code).toBe(2);
    expect(oneLine(result.stderr)).toEqual([
      expect.stringMatching(/^reliable-events: DynamoDB Local needs Java 17 or newer.*Install it/),
    ]);
  });

  it('a port in use', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const dir = queueOnlyProject();
      const result = await run(dir, ['local', '--assembly', 'cdk.out', '--sqs-port', String(port)]);
      expect(result.code).toBe(2);
      expect(oneLine(result.stderr)).toEqual([
        `reliable-events: Port ${port} is in use: pick another with --sqs-port, or stop what listens there.`,
      ]);
    } finally {
      server.close();
    }
  });

  it('a bad option value names the option', async () => {
    const result = await run(project({}), ['verify', '--throttle', '2']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      "option '--throttle <rate>' argument '2' is invalid. must be a rate from 0 to 1.",
    );
  });
});

describe('Ctrl-C: one line, exit 130, and nothing left in the temp dir', () => {
  // Runs verify, waits (bounded) until `ready` says so, then sends SIGINT to the command alone.
  const interrupt = (
    cwd: string,
    args: string[],
    ready: (stdout: string) => boolean,
    signal: NodeJS.Signals = 'SIGINT',
  ) =>
    new Promise<{ code: number | null; stdout: string; stderr: string; before: string[] }>((resolve) => {
      const child = spawn(process.execPath, [main, 'verify', ...args], {
        cwd,
        env: { ...process.env, TMPDIR: tmp },
      });
      let stdout = '';
      let stderr = '';
      let before: string[] = [];
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk;
      });
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk;
      });
      const started = Date.now();
      const poll = setInterval(() => {
        if (ready(stdout) || Date.now() - started > 60_000) {
          clearInterval(poll);
          before = leftInTmp();
          child.kill(signal);
        }
      }, 100);
      child.on('close', (code) => {
        clearInterval(poll);
        resolve({ code, stdout, stderr, before });
      });
    });
  const scenario = scenarioText(
    "{ queue: 'Jobs', message: (i) => ({ key: 'k' + i, group: 'g', body: { i } }), effects: async () => new Map() }",
  );

  it('while the app synthesizes', async () => {
    const dir = project({
      'cdk.json': JSON.stringify({ app: 'node app.mjs' }),
      // An app that takes its time: Ctrl-C comes while cdk synth runs.
      'app.mjs': 'setTimeout(() => {}, 20_000);\n',
      'reliable-events.verify.mjs': scenario,
    });
    const result = await interrupt(dir, [], () => leftInTmp().length > 0);
    expect(result.before).toEqual([expect.stringMatching(/^reliable-events-assembly-/)]);
    expect(result.code).toBe(130);
    expect(oneLine(result.stderr)).toEqual([
      'reliable-events: stopped by Ctrl-C before the run finished: nothing was proven.',
    ]);
    expect(leftInTmp()).toEqual([]);
  }, 90_000);

  it('SIGTERM (a cancelled CI job) while the app synthesizes: one line, exit 143, nothing left', async () => {
    const dir = project({
      'cdk.json': JSON.stringify({ app: 'node app.mjs' }),
      'app.mjs': 'setTimeout(() => {}, 20_000);\n',
      'reliable-events.verify.mjs': scenario,
    });
    const result = await interrupt(dir, [], () => leftInTmp().length > 0, 'SIGTERM');
    expect(result.before).toEqual([expect.stringMatching(/^reliable-events-assembly-/)]);
    expect(result.code).toBe(143);
    expect(oneLine(result.stderr)).toEqual([
      'reliable-events: stopped by SIGTERM before the run finished: nothing was proven.',
    ]);
    expect(leftInTmp()).toEqual([]);
  }, 90_000);

  it('while the app runs on the local stack', async () => {
    const dir = project({
      'cdk.json': JSON.stringify({ app: 'node app.mjs' }),
      'app.mjs': `import { App, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
const app = new App();
const stack = new Stack(app, 'Slow');
const fn = new lambda.Function(stack, 'Worker', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromAsset('fn') });
fn.addEventSource(new SqsEventSource(new sqs.Queue(stack, 'Jobs')));
app.synth();
`,
      'reliable-events.verify.mjs': scenario,
    });
    mkdirSync(join(dir, 'fn'));
    writeFileSync(
      join(dir, 'fn/index.js'),
      'exports.handler = () => new Promise((r) => setTimeout(r, 20_000));\n',
    );
    const result = await interrupt(dir, ['--no-faults', '--function-timeout', '30'], (stdout) =>
      stdout.includes('acknowledged'),
    );
    expect(result.stdout).toContain('Deploying the app locally');
    expect(result.before).toEqual([expect.stringMatching(/^reliable-events-assembly-/)]);
    expect(result.code).toBe(130);
    expect(oneLine(result.stderr)).toEqual([
      'reliable-events: stopped by Ctrl-C before the run finished: nothing was proven.',
    ]);
    expect(leftInTmp()).toEqual([]);
  }, 120_000);
});
