import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const constructs = fileURLToPath(new URL('../../infra/constructs/index.ts', import.meta.url));
const entry = fileURLToPath(new URL('./fixtures/handler.ts', import.meta.url));
const withoutEsbuild = fileURLToPath(new URL('./fixtures/without-esbuild.ts', import.meta.url));

// Synthesizes a consumer in a process where esbuild can be neither required nor run from the PATH.
const synthWithoutEsbuild = async (): Promise<string> => {
  const script = `
    import { App, Stack } from 'aws-cdk-lib';
    import { ReliableConsumer, ReliableQueue } from ${JSON.stringify(constructs)};
    const stack = new Stack(new App(), 'Test');
    try {
      new ReliableConsumer(stack, 'Capture', { entry: ${JSON.stringify(entry)}, queue: new ReliableQueue(stack, 'Orders') });
      console.log('synthesized');
    } catch (error) {
      console.log(error.name + ': ' + error.message);
    }`;
  const path = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((dir) => !existsSync(join(dir, 'esbuild')))
    .join(delimiter);
  const { stdout, stderr } = await promisify(execFile)(
    process.execPath,
    ['--import', withoutEsbuild, '--input-type=module', '-e', script],
    { env: { ...process.env, PATH: path }, timeout: 60_000 },
  );
  return stdout + stderr;
};

describe('bundling without esbuild installed', () => {
  it('fails at synth saying to install esbuild, instead of falling back to Docker', async () => {
    const output = await synthWithoutEsbuild();
    expect(output).toContain(
      'ConfigurationError: ReliableFunction Test/Capture/Handler: esbuild is not installed, so CDK would bundle the function in Docker. ' +
        'Install esbuild in the app that synthesizes it: npm install --save-dev esbuild',
    );
    expect(output).not.toMatch(/docker (daemon|build)|spawnSync docker/i);
  });
});
