import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
// Inside the repository, so the package's own dependencies' types resolve from node_modules.
const dir = join(root, 'node_modules', '.cache', `commonjs-types-${process.pid}`);
const installed = join(dir, 'node_modules', 'reliable-events');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  types: string;
  exports: Record<string, { types: string }>;
  typesVersions: Record<string, Record<string, string[]>>;
};

/** tsc's errors for a project, as lines; empty when it compiles. */
const errors = (project: string) =>
  promisify(execFile)(process.execPath, [tsc, '-p', project])
    .then(() => [])
    .catch((error: { stdout: string }) => error.stdout.split('\n').filter((line) => /error TS/.test(line)));

// A scenario as a user writes it, and the CDK app's own import of the constructs.
const SCENARIO = `import { defineScenario } from 'reliable-events/verify';
import type { ReliableQueueProps } from 'reliable-events/cdk';
import { ReliableEventsError } from 'reliable-events';

export const props: ReliableQueueProps = {};
export const isOurs = (error: unknown) => error instanceof ReliableEventsError;

export default defineScenario({
  queue: 'Orders',
  message: (i, { groups }) => ({ key: \`order-\${i}\`, group: \`customer-\${i % groups}\`, body: { orderId: \`order-\${i}\` } }),
  effects: async ({ scan }) => new Map((await scan('Payments')).map((p) => [String(p.pk), Number(p.captures)])),
});
`;

// What \`cdk init app --language=typescript\` wrote before its NodeNext template: CommonJS, and
// moduleResolution left to its default for CommonJS, node10, which reads no \`exports\`.
const CDK_INIT_COMMONJS = {
  target: 'ES2020',
  module: 'commonjs',
  lib: ['es2020', 'dom'],
  declaration: true,
  strict: true,
  noImplicitReturns: true,
  experimentalDecorators: true,
  strictPropertyInitialization: false,
  skipLibCheck: true,
  typeRoots: ['./node_modules/@types'],
  noEmit: true,
};

describe('the package in a CommonJS CDK project', () => {
  beforeAll(async () => {
    // The package as installed: its package.json and the declarations the build writes to dist/.
    mkdirSync(installed, { recursive: true });
    const build = ['-p', join(root, 'tsconfig.build.json'), '--emitDeclarationOnly', '--sourceMap', 'false'];
    await promisify(execFile)(process.execPath, [tsc, ...build, '--outDir', join(installed, 'dist')]);
    writeFileSync(join(installed, 'package.json'), readFileSync(join(root, 'package.json')));
    symlinkSync(join(root, 'node_modules', '@types'), join(dir, 'node_modules', '@types'));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'app', version: '0.1.0' }));
    writeFileSync(join(dir, 'reliable-events.verify.ts'), SCENARIO);
  }, 240_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('type-checks a scenario under "module": "commonjs" (moduleResolution node10)', async () => {
    const project = join(dir, 'tsconfig.json');
    writeFileSync(
      project,
      JSON.stringify({ compilerOptions: CDK_INIT_COMMONJS, files: ['reliable-events.verify.ts'] }),
    );
    expect(await errors(project)).toEqual([]);
  }, 120_000);

  it("type-checks it under today's cdk init options (NodeNext) too", async () => {
    const project = join(dir, 'tsconfig.nodenext.json');
    const options = {
      ...CDK_INIT_COMMONJS,
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
    };
    writeFileSync(
      project,
      JSON.stringify({ compilerOptions: options, files: ['reliable-events.verify.ts'] }),
    );
    expect(await errors(project)).toEqual([]);
  }, 120_000);
});

describe("the package's typesVersions", () => {
  it('maps every subpath of exports to the same declarations, and the root through types', () => {
    const { '.': main, ...subpaths } = pkg.exports;
    expect(pkg.types).toBe(main!.types);
    expect(pkg.typesVersions).toEqual({
      '*': Object.fromEntries(Object.entries(subpaths).map(([path, { types }]) => [path.slice(2), [types]])),
    });
  });
});
