import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const json = (path: string) => JSON.parse(readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8'));

describe('the API reference (npm run docs:api)', () => {
  it('documents every entry point the package exports, and nothing else', () => {
    const exported = Object.values(json('package.json').exports as Record<string, { default: string }>).map(
      (target) => target.default.replace('./dist/', '').replace(/\.js$/, '.ts'),
    );
    expect([...json('typedoc.json').entryPoints].sort()).toEqual(exported.sort());
  });
});
