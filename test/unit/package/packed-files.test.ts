import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const build = JSON.parse(readFileSync(join(root, 'tsconfig.build.json'), 'utf8')) as {
  include: string[];
  compilerOptions: { rootDir: string; outDir: string; sourceMap?: boolean };
};

const sources = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [relative(root, path)] : [];
  });

describe('the published package', () => {
  it('holds the .ts source of every source map the build writes, the LICENSE and the docs pages', async () => {
    // The build mirrors the root into dist/ (rootDir "."), so dist/lib/x.js.map names ../../lib/x.ts:
    // the file at lib/x.ts of the installed package.
    expect(build.compilerOptions).toMatchObject({ rootDir: '.', outDir: 'dist', sourceMap: true });
    const { stdout } = await promisify(execFile)('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: root,
    });
    const packed = new Set(
      (JSON.parse(stdout) as [{ files: { path: string }[] }])[0].files.map((f) => f.path),
    );
    const compiled = build.include.flatMap((dir) => sources(join(root, dir)));
    expect(compiled.length).toBeGreaterThan(40);
    expect(compiled.filter((source) => !packed.has(source))).toEqual([]);
    expect(packed.has('LICENSE')).toBe(true);
    // The README links its reference pages: they go with it.
    const pages = readdirSync(join(root, 'docs')).filter((name) => name.endsWith('.md'));
    expect(pages.filter((page) => !packed.has(`docs/${page}`))).toEqual([]);
    for (const path of packed) expect(path).not.toMatch(/^(test|bench|scripts|functions|infra\/stacks)\//);
  });
});
