import { execFile, execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VerifyReport } from '../../../lib/verify/report.ts';

const root = join(import.meta.dirname, '../../..');
const main = join(root, 'lib/cli/main.ts');
// Inside the repository, so the app resolves aws-cdk-lib and esbuild from its node_modules; a
// project of its own whose package.json says "type": "module", as many CDK projects do.
mkdirSync(join(root, '.local'), { recursive: true });
const project = mkdtempSync(join(root, '.local/cli-runtimes-'));
// The command's temp dir, to see that it leaves nothing behind.
const tmp = mkdtempSync(join(root, '.local/cli-runtimes-tmp-'));
afterAll(() => {
  rmSync(project, { recursive: true, force: true });
  rmSync(tmp, { recursive: true, force: true });
});
const env = { ...process.env, TMPDIR: tmp, CDK_DISABLE_CLI_TELEMETRY: 'true' };

const verify = (args: string[]) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [main, 'verify', '--no-faults', '--quiet', ...args],
      { cwd: project, env, timeout: 300_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
const reportOf = (file: string) => JSON.parse(readFileSync(join(project, file), 'utf8')) as VerifyReport;
const byId = (report: VerifyReport) =>
  Object.fromEntries(report.functions.map((f) => [f.logicalId.replace(/[0-9A-F]{8}$/, ''), f]));

const VARIANTS = ['CjsDefault', 'Esm', 'CjsBundled', 'EsmBundled'];
// Each variant's check from the scenario: it handled every order, with Lambda's variables.
const expectEveryVariantRan = (report: VerifyReport) => {
  expect(report.scenarioChecks.map((c) => [c.name.split(' ')[0], c.ok, c.detail])).toEqual(
    VARIANTS.map((v) => [v, true, '8 of 8 orders']),
  );
  const ran = byId(report);
  for (const id of [...VARIANTS, 'Dispatch'])
    expect(ran[id]).toMatchObject({ code: 'asset', acked: 8, errors: 0 });
  expect(report.notRun.map((f) => [f.logicalId.replace(/[0-9A-F]{8}$/, ''), f.reason])).toEqual(
    expect.arrayContaining([
      ['Old', expect.stringMatching(/^runtime nodejs18\.x is deprecated by Lambda and is not emulated/)],
      [
        'SdkV2',
        expect.stringMatching(/AWS SDK for JavaScript v2 \(aws-sdk\), whose calls would reach real AWS/),
      ],
    ]),
  );
};

describe("hand-wired consumers in every bundling format the CDK offers run as in Lambda's Node.js runtimes", () => {
  beforeAll(() => {
    cpSync(join(import.meta.dirname, 'fixtures/runtimes'), project, { recursive: true });
    writeFileSync(join(project, 'package.json'), JSON.stringify({ private: true, type: 'module' }));
  });

  it('when verify synthesizes the app: every format and runtime runs, and a thrower’s errors are in the table and the JSON', async () => {
    const result = await verify(['-c', 'withThrower=true', '--json', 'synth.json']);
    const report = reportOf('synth.json');
    expectEveryVariantRan(report);
    // The thrower's records went to its DLQ after failing: the run fails, and says why.
    expect(result.code).toBe(1);
    const thrower = byId(report).Thrower!;
    expect(thrower.acked).toBe(0);
    expect(thrower.errors).toBeGreaterThan(0);
    expect(thrower.firstErrors[0]).toEqual({
      name: 'RangeError',
      message: 'the auditor rejects every order',
      messageId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      records: expect.any(Number),
    });
    expect(result.stdout).toMatch(
      /Thrower[0-9A-F]{8} +\d+ batches, 8 records, 0 acknowledged, [1-9]\d* errors?/,
    );
    expect(result.stdout).toMatch(
      /\n {4}RangeError: the auditor rejects every order \(message [0-9a-f-]{36}/,
    );
    expect(result.stdout).toMatch(/FAIL nothing left in the other dead-letter queues +8 in 1 other DLQs/);
    // The order check did not run (the scenario keeps no order): it says so, never ok.
    expect(result.stdout).toMatch(/\n {2}-- {3}each group's effects are in sequence order +not checked/);
    // The synthesized assembly is gone.
    expect(readdirSync(tmp).filter((name) => name.startsWith('reliable-events'))).toEqual([]);
  }, 300_000);

  it('from --assembly cdk.out in a "type": "module" project: CommonJS bundles still load as CommonJS', async () => {
    execFileSync(process.execPath, ['app.mjs'], {
      cwd: project,
      env: { ...env, CDK_OUTDIR: join(project, 'cdk.out') },
      stdio: 'ignore',
    });
    const result = await verify(['--assembly', 'cdk.out', '--json', 'assembly.json']);
    const report = reportOf('assembly.json');
    expectEveryVariantRan(report);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(report).toMatchObject({ ok: true, lost: 0, duplicateEffects: 0, effects: 8 });
  }, 300_000);
});
