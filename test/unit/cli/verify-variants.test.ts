import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const main = fileURLToPath(new URL('../../../lib/cli/main.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'verify-variants-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const verify = (args: string[], variants?: string) => {
  writeFileSync(
    join(dir, 'reliable-events.verify.mjs'),
    `export default { queue: 'Q', message: (i) => ({ key: 'k' + i, group: 'g', body: {} }), effects: async () => new Map()${
      variants ? `, variants: ${variants}` : ''
    } };\n`,
  );
  return new Promise<{ code: number | null; stderr: string }>((done) => {
    const child = execFile(process.execPath, [main, 'verify', ...args], { cwd: dir }, (_, __, stderr) =>
      done({ code: child.exitCode, stderr }),
    );
  });
};

describe("verify's variant flags are the scenario's own variants, nothing inherited", () => {
  // `'constructor' in {}` is true: --constructor passed as a variant, then crashed with a TypeError.
  it.each(['--constructor', '--toString', '--hasOwnProperty'])(
    '%s is an unknown option, in one line',
    async (flag) => {
      const { code, stderr } = await verify([flag]);
      expect(code).toBe(2);
      expect(stderr.trim()).toBe(`reliable-events: Unknown option ${flag}: see --help.`);
    },
  );

  it('with variants, names them', async () => {
    const { code, stderr } = await verify(
      ['--constructor'],
      "{ unprotected: { context: { idempotency: 'off' } } }",
    );
    expect(code).toBe(2);
    expect(stderr.trim()).toBe(
      "reliable-events: Unknown option --constructor: see --help; the scenario's variants are --unprotected.",
    );
  });
});

describe("a variant named as one of verify's own flags", () => {
  // commander takes --replay as its own flag: the variant was never applied, and nothing said so.
  it('is refused in one line, naming it', async () => {
    const { code, stderr } = await verify(['--replay'], "{ replay: { context: { mode: 'x' } } }");
    expect(code).toBe(2);
    expect(stderr.trim()).toBe(
      "reliable-events: The scenario's variant replay is also verify's own --replay, which takes it: rename the variant.",
    );
  });
});
