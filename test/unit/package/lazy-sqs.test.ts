import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../../..');

/** Imports `entry` in a fresh Node process and lists the SDK packages it loaded. */
const sdkPackagesLoadedBy = (entry: string, then = ''): string[] => {
  const script = `
    import { registerHooks } from 'node:module';
    const loaded = new Set();
    registerHooks({
      load(url, context, next) {
        const match = /@aws-sdk\\/(client-[a-z]+)\\//.exec(url);
        if (match) loaded.add(match[1]);
        return next(url, context);
      },
    });
    const module = await import(${JSON.stringify(pathToFileURL(resolve(root, entry)).href)});
    ${then}
    console.log(JSON.stringify([...loaded].sort()));
  `;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: root,
    encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').at(-1)!);
};

describe('loading the SQS client only where it is used', () => {
  it('importing makeIdempotent from the root loads the DynamoDB client, not the SQS client', () => {
    expect(sdkPackagesLoadedBy('lib/index.ts', 'module.makeIdempotent;')).toEqual(['client-dynamodb']);
  });

  it('a producer loads the SQS client when it sends', () => {
    const send = `
      const producer = module.createProducer({ queueUrl: 'http://127.0.0.1:1/000000000000/q', retry: { maxAttempts: 1 } });
      await producer.send({ id: 'a', body: {} }).catch(() => {});
    `;
    expect(sdkPackagesLoadedBy('lib/index.ts', send)).toContain('client-sqs');
  });
});
