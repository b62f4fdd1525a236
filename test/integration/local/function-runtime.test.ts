import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createFunctionHost, type LocalFunction } from '../../../lib/local/index.ts';
import { scratchDir } from '../../support/scratch.ts';

// Outside the repository, as a synthesized asset is (a temp dir, or a project's cdk.out): nothing
// resolves from this repository's node_modules by walking up.
const root = scratchDir('function-runtime');
let n = 0;
/** An asset directory holding `files`, optionally inside a project whose package.json says `"type": "module"`. */
const asset = (files: Record<string, string>, project?: { type: 'module' }) => {
  const base = join(root, String(++n));
  const dir = join(base, 'cdk.out', 'asset.0123');
  mkdirSync(dir, { recursive: true });
  if (project) writeFileSync(join(base, 'package.json'), JSON.stringify(project));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
};
const hosts: ReturnType<typeof createFunctionHost>[] = [];
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((host) => host.stop()));
});
const host = (dir: string, fn: Partial<LocalFunction> = {}) => {
  const created = createFunctionHost({
    fn: {
      logicalId: 'Auditor0A1B2C3D',
      entry: join(dir, 'index.js'),
      handler: 'handler',
      handlerSpec: 'index.handler',
      code: 'asset',
      taskRoot: dir,
      runtime: 'nodejs22.x',
      environment: { TABLE: 'audit' },
      timeoutMs: 10_000,
      ...fn,
    },
    baseEnvironment: {
      AWS_REGION: 'eu-west-1',
      AWS_DEFAULT_REGION: 'eu-west-1',
      PATH: process.env.PATH ?? '',
    },
  });
  hosts.push(created);
  return created;
};

// A CommonJS bundle as NodejsFunction makes it by default: the AWS SDK left out, for Lambda provides it.
const cjsWithSdk = `"use strict";
const { DynamoDBClient } = require("@aws-sdk/client-dynamodb");
exports.handler = async () => typeof DynamoDBClient;
`;

describe('the local runtime provides what Lambda provides to a function', () => {
  it('the AWS SDK v3 to a CommonJS bundle, whose require() finds nothing beside the asset', async () => {
    expect(await host(asset({ 'index.js': cjsWithSdk })).invoke({})).toBe('function');
  });

  it('the AWS SDK v3 to an ES module bundle', async () => {
    const dir = asset({
      'index.mjs': `import { SQSClient } from "@aws-sdk/client-sqs";\nexport const handler = async () => typeof SQSClient;\n`,
    });
    expect(await host(dir, { entry: join(dir, 'index.mjs') }).invoke({})).toBe('function');
  });

  it('a .js CommonJS bundle loads as CommonJS inside a "type": "module" project, as in Lambda (no package.json in the asset)', async () => {
    expect(await host(asset({ 'index.js': cjsWithSdk }, { type: 'module' })).invoke({})).toBe('function');
  });

  it('a package.json inside the asset still decides: "type": "module" makes its .js an ES module', async () => {
    const dir = asset({
      'package.json': '{"type":"module"}',
      'index.js': `import { DynamoDBClient } from "@aws-sdk/client-dynamodb";\nexport const handler = async () => typeof DynamoDBClient;\n`,
    });
    expect(await host(dir).invoke({})).toBe('function');
  });

  describe('an ES module in a .js file with no "type" in its asset', () => {
    const esmJs =
      'import { SQSClient } from "@aws-sdk/client-sqs";\nexport const handler = async () => typeof SQSClient;\n';

    it('loads on nodejs24.x, which detects ES modules', async () => {
      expect(await host(asset({ 'index.js': esmJs }), { runtime: 'nodejs24.x' }).invoke({})).toBe('function');
    });

    it('does not load on nodejs22.x, which runs it as CommonJS: one line saying what to change', async () => {
      await expect(host(asset({ 'index.js': esmJs })).warm(1)).rejects.toThrow(
        /^Auditor0A1B2C3D cannot load .*index\.js: it is an ES module in a \.js file, which nodejs22\.x runs as CommonJS .*: name it \.mjs, or put a package\.json with "type": "module" in the asset$/,
      );
    });
  });

  it("Lambda's variables: region, function name, memory, version, handler, task root, execution environment", async () => {
    const names = [
      'AWS_REGION',
      'AWS_DEFAULT_REGION',
      'AWS_LAMBDA_FUNCTION_NAME',
      'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
      'AWS_LAMBDA_FUNCTION_VERSION',
      '_HANDLER',
      'LAMBDA_TASK_ROOT',
      'AWS_EXECUTION_ENV',
      'TABLE',
    ];
    const dir = asset({
      'index.js': `exports.handler = async (event, context) => ({ env: Object.fromEntries(${JSON.stringify(names)}.map((k) => [k, process.env[k]])), memory: context.memoryLimitInMB });\n`,
    });
    expect(await host(dir, { memoryMb: 512 }).invoke({})).toEqual({
      env: {
        AWS_REGION: 'eu-west-1',
        AWS_DEFAULT_REGION: 'eu-west-1',
        AWS_LAMBDA_FUNCTION_NAME: 'Auditor0A1B2C3D',
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
        AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
        _HANDLER: 'index.handler',
        LAMBDA_TASK_ROOT: dir,
        AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
        TABLE: 'audit',
      },
      memory: '512',
    });
  });

  describe('a callback-style handler (event, context, callback)', () => {
    const callbackHandler = `exports.handler = function (event, context, callback) {
  setTimeout(() => (event.fail ? callback(new RangeError('no such order')) : callback(null, { got: event.n })), 10);
};
`;
    it('answers through its callback on nodejs22.x, results and errors alike', async () => {
      const fn = host(asset({ 'index.js': callbackHandler }));
      expect(await fn.invoke({ n: 7 })).toEqual({ got: 7 });
      await expect(fn.invoke({ fail: true })).rejects.toMatchObject({
        name: 'RangeError',
        message: 'no such order',
      });
    });

    it('does not load on nodejs24.x, which removed callbacks: one line naming the function and what to change', async () => {
      const fn = host(asset({ 'index.js': callbackHandler }), { runtime: 'nodejs24.x' });
      const error = await fn.warm(1).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(error).toMatchObject({ name: 'FunctionLoadError' });
      expect(error?.message).toMatch(
        /^Auditor0A1B2C3D cannot load .*index\.js: its handler takes a callback, which nodejs24\.x does not support: make it async/,
      );
      expect(error?.message).not.toContain('\n');
    });
  });

  it('a bundle that lacks a package: one line naming the function, the package and what to change', async () => {
    const fn = host(
      asset({ 'index.js': 'const pad = require("left-pad");\nexports.handler = async () => pad;\n' }),
    );
    const error = await fn.warm(1).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.name).toBe('FunctionLoadError');
    expect(error?.message).toMatch(
      /^Auditor0A1B2C3D cannot load .*index\.js: it needs "left-pad", which is not in its asset, and Lambda provides only the AWS SDK v3 \(@aws-sdk\/\*\): bundle it/,
    );
    expect(error?.message).not.toContain('\n');
  });

  it('a handler the module does not export: one line pointing at the Handler setting', async () => {
    const fn = host(asset({ 'index.js': 'exports.main = async () => 1;\n' }));
    await expect(fn.warm(1)).rejects.toThrow(
      /^Auditor0A1B2C3D cannot load .*index\.js: it exports no function named "handler": check the function's Handler \(index\.handler\)$/,
    );
  });
});

describe("a sandbox's memory is its function's memory size, as on Lambda", () => {
  // Keeps about `mb` of live arrays, then answers with the heap limit the sandbox was given.
  const hog = (mb: number) => `"use strict";
const v8 = require("node:v8");
const kept = [];
exports.handler = async () => {
  for (let i = 0; i < ${mb}; i++) kept.push(new Array(131072).fill(i));
  return Math.round(v8.getHeapStatistics().heap_size_limit / 1048576);
};
`;

  it('a handler within its memory runs, with a heap limit that follows MemorySize', async () => {
    const small = await host(asset({ 'index.js': hog(1) }), { memoryMb: 128 }).invoke({});
    const large = await host(asset({ 'index.js': hog(1) }), { memoryMb: 1024 }).invoke({});
    expect(small).toBeLessThanOrEqual(160);
    expect(large).toBeGreaterThan(900);
  });

  it('a handler that outgrows its memory fails the invocation, as Lambda ends the sandbox', async () => {
    const fn = host(asset({ 'index.js': hog(300) }), { memoryMb: 128 });
    await expect(fn.invoke({})).rejects.toThrow(/memory/i);
    // A fresh sandbox for the next invocation (a terminated one would never answer).
    await expect(fn.invoke({})).rejects.toThrow(/memory/i);
  }, 30_000);
});
