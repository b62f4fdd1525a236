import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const loader = pathToFileURL(
  fileURLToPath(new URL('../../../lib/verify/load-scenario.ts', import.meta.url)),
).href;
const project = mkdtempSync(join(tmpdir(), 'typeless-'));

/** Loads `file` with `loadScenario` in a Node process of its own, as the command does: its output and warnings. */
const load = async (file: string) => {
  const script = `const { loadScenario } = await import(${JSON.stringify(loader)});
const scenario = await loadScenario(${JSON.stringify(join(project, file))});
console.log(JSON.stringify({ queue: scenario.queue, messages: typeof scenario.message }));`;
  const { stdout, stderr } = await promisify(execFile)(process.execPath, [
    '--input-type=module',
    '-e',
    script,
  ]);
  return { loaded: JSON.parse(stdout) as unknown, stderr };
};

describe('loading a TypeScript scenario from a project whose package.json has no "type"', () => {
  // As `cdk init` writes it: CommonJS by default, so Node has to find out what a .ts file is.
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'app', version: '0.1.0' }));
  writeFileSync(join(project, 'queues.ts'), "export const ORDERS: string = 'Orders';\n");
  writeFileSync(
    join(project, 'reliable-events.verify.ts'),
    `import { ORDERS } from './queues.ts';
type Message = { key: string; group: string; body: unknown };
export default {
  queue: ORDERS,
  message: (i: number): Message => ({ key: \`k\${i}\`, group: 'g', body: { i } }),
  effects: async () => new Map<string, number>(),
};
`,
  );
  writeFileSync(
    join(project, 'commonjs.verify.ts'),
    `const queue: string = 'Orders';
module.exports = { queue, message: (i: number) => ({ key: String(i), group: 'g', body: {} }), effects: async () => new Map() };
`,
  );
  afterAll(() => rmSync(project, { recursive: true, force: true }));

  it('loads it, and the helpers it imports, without MODULE_TYPELESS_PACKAGE_JSON on every run', async () => {
    const { loaded, stderr } = await load('reliable-events.verify.ts');
    expect(loaded).toEqual({ queue: 'Orders', messages: 'function' });
    expect(stderr).not.toMatch(/MODULE_TYPELESS_PACKAGE_JSON|Reparsing as ES module/);
    expect(stderr).toBe('');
  }, 30_000);

  it('still loads a scenario written as CommonJS as CommonJS', async () => {
    const { loaded, stderr } = await load('commonjs.verify.ts');
    expect(loaded).toEqual({ queue: 'Orders', messages: 'function' });
    expect(stderr).toBe('');
  }, 30_000);
});
