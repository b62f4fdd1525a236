import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { CliSetupError } from './errors.ts';
import { makeTempDir, removeTempDir, trackChild } from './interrupt.ts';

export type SynthOptions = {
  /** The CDK project: where cdk.json is, and where the command runs. */
  projectRoot: string;
  /** The app command, instead of cdk.json's `app` (as `cdk synth --app`). */
  app?: string;
  /** Context values (as `cdk synth -c key=value`). */
  context?: Record<string, string>;
};

// The cdk CLI of the user's project, else the one installed beside this package.
const cdkCli = (projectRoot: string): string => {
  for (const from of [join(projectRoot, 'package.json'), import.meta.filename]) {
    try {
      const manifest = createRequire(from).resolve('aws-cdk/package.json');
      const { bin } = JSON.parse(readFileSync(manifest, 'utf8')) as { bin: { cdk: string } };
      return join(dirname(manifest), bin.cdk);
    } catch {
      // Not installed there.
    }
  }
  throw new CliSetupError(
    'The AWS CDK CLI is not installed: "npm i -D aws-cdk" in your CDK project (it synthesizes the app), or pass --assembly DIR.',
  );
};

// The app's own error in one line: the first `SomethingError: …` line, else the first line that
// mentions an error, else the output's last line.
export const errorOf = (output: string): string => {
  const lines = output
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('npm warn'));
  return (
    lines.find((line) => /^\w*(Error|Exception)\b:/.test(line)) ??
    lines.find((line) => /error/i.test(line)) ??
    lines.at(-1) ??
    '(no output)'
  );
};

/**
 * Synthesizes the CDK app as `cdk synth` does, from the project's cdk.json (or `app`), into a
 * fresh directory, and returns the directory. The CLI is used rather than `@aws-cdk/toolkit-lib`,
 * which would add some 25 AWS SDK clients to this package's dependencies for a local run.
 */
export const synthesize = async (options: SynthOptions): Promise<string> => {
  const root = resolve(options.projectRoot);
  if (!options.app && !existsSync(join(root, 'cdk.json')))
    throw new CliSetupError(
      `No cdk.json in ${root}: run this in your CDK project, or pass --app "<command that runs your app>" or --assembly cdk.out.`,
    );
  const cli = cdkCli(root);
  const outdir = makeTempDir('reliable-events-assembly-');
  const args = [cli, 'synth', '--quiet', '--no-notices', '--output', outdir];
  if (options.app) args.push('--app', options.app);
  for (const [key, value] of Object.entries(options.context ?? {})) args.push('--context', `${key}=${value}`);
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  trackChild(child);
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const code = await new Promise<number | null>((done) => child.on('close', done));
  if (code !== 0) {
    removeTempDir(outdir);
    throw new CliSetupError(
      `The CDK app failed to synthesize (cdk synth exited ${code}): ${errorOf(output)} (cdk synth shows the whole output)`,
    );
  }
  return outdir;
};
