import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveFunctionCode } from '../../../lib/local/deploy-functions.ts';
import { runtimeSupport, usesAwsSdkV2 } from '../../../lib/local/lambda-runtimes.ts';

describe('which Lambda runtimes run locally', () => {
  it.each([
    ['nodejs20.x', true],
    ['nodejs22.x', true],
  ])('%s runs, callback handlers allowed, no ES-module detection', (runtime) => {
    expect(runtimeSupport(runtime)).toEqual({ runs: true, callbacks: true, detectsModules: false });
  });

  it('nodejs24.x runs, without callback handlers (Lambda removed them from Node.js 24), detecting ES modules', () => {
    expect(runtimeSupport('nodejs24.x')).toEqual({ runs: true, callbacks: false, detectsModules: true });
  });

  it.each(['nodejs18.x', 'nodejs16.x', 'nodejs14.x', 'nodejs12.x', 'nodejs8.10', 'nodejs'])(
    '%s is deprecated: not run, with the reason and what to change',
    (runtime) => {
      expect(runtimeSupport(runtime)).toEqual({
        runs: false,
        reason: `runtime ${runtime} is deprecated by Lambda and is not emulated: move the function to nodejs22.x or nodejs24.x`,
      });
    },
  );

  it('another language, or a container image, is not run', () => {
    expect(runtimeSupport('python3.13')).toMatchObject({
      runs: false,
      reason: expect.stringMatching(/only Node\.js/),
    });
    expect(runtimeSupport('')).toMatchObject({
      runs: false,
      reason: expect.stringMatching(/container image/),
    });
  });
});

describe('AWS SDK v2 in a bundle', () => {
  it.each([
    "const AWS = require('aws-sdk');",
    'const SQS = require("aws-sdk/clients/sqs");',
    "import AWS from 'aws-sdk';",
    '// node_modules/aws-sdk/lib/core.js',
  ])('found in %s', (source) => {
    expect(usesAwsSdkV2(source)).toBe(true);
  });

  it.each([
    "const { SQSClient } = require('@aws-sdk/client-sqs');",
    "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
    "const name = 'aws-sdk-v3-only';",
  ])('not found in %s', (source) => {
    expect(usesAwsSdkV2(source)).toBe(false);
  });
});

describe('resolveFunctionCode lists a function it will not run, with the reason', () => {
  const assembly = mkdtempSync(join(tmpdir(), 'resolve-code-'));
  afterAll(() => rmSync(assembly, { recursive: true, force: true }));
  const withAsset = (source: string, runtime: string) => {
    const dir = join(assembly, `asset.${runtime}.${source.length}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'index.js'), source);
    return resolveFunctionCode(
      'Fn',
      {
        Type: 'AWS::Lambda::Function',
        Properties: { Runtime: runtime, Handler: 'index.handler' },
        Metadata: { 'aws:asset:path': dir },
      },
      { assembly, assets: new Map(), root: assembly },
    );
  };

  it('a deprecated runtime', () => {
    expect(withAsset('exports.handler = (e, c, cb) => cb(null);', 'nodejs14.x')).toEqual({
      logicalId: 'Fn',
      reason: expect.stringMatching(/^runtime nodejs14\.x is deprecated by Lambda/),
    });
  });

  it('AWS SDK v2, whose calls would reach real AWS', () => {
    expect(
      withAsset("const AWS = require('aws-sdk');\nexports.handler = async () => {};", 'nodejs22.x'),
    ).toEqual({
      logicalId: 'Fn',
      reason: expect.stringMatching(
        /AWS SDK for JavaScript v2 \(aws-sdk\), whose calls would reach real AWS/,
      ),
    });
  });

  it('runs a current runtime from its asset, with the runtime, handler and task root', () => {
    expect(withAsset('exports.handler = async () => {};', 'nodejs22.x')).toMatchObject({
      code: 'asset',
      runtime: 'nodejs22.x',
      handlerSpec: 'index.handler',
      taskRoot: expect.stringContaining('asset.nodejs22.x'),
    });
  });
});
