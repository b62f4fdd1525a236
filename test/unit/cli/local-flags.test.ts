import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const main = fileURLToPath(new URL('../../../lib/cli/main.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'local-flags-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `reliable-events local …` in an empty directory: it stops at its flags, or at the missing cdk.json. */
const local = (args: string[]) =>
  new Promise<{ code: number | null; stderr: string }>((done) => {
    const child = execFile(process.execPath, [main, 'local', ...args], { cwd: dir }, (_, __, stderr) =>
      done({ code: child.exitCode, stderr }),
    );
  });

describe("local's timers", () => {
  // Node sets a timer longer than 2^31 - 1 ms (24.8 days) to 1 ms: `--seconds 3000000` stopped the
  // session at once, `--rate 0.0000001` sent a message every millisecond.
  it.each([
    ['--seconds', '3000000'],
    ['--rate', '0.0000001'],
    ['--rate', '5000'],
  ])('refuse %s %s, which a timer cannot hold, as a bad flag', async (flag, value) => {
    const { code, stderr } = await local([flag, value]);
    expect(code).toBe(2);
    expect(stderr).toContain(`option '${flag}`);
    expect(stderr).toContain(`argument '${value}' is invalid`);
  });

  it('take what a timer holds (and stop next at the missing cdk.json)', async () => {
    const { code, stderr } = await local(['--seconds', '86400', '--rate', '0.01']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/No cdk\.json/);
  });
});
