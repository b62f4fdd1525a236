import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../../../', import.meta.url);
const pages = ['README.md', ...readdirSync(new URL('docs/', root)).map((f) => `docs/${f}`)].filter((f) =>
  f.endsWith('.md'),
);

describe('the docs say each thing once', () => {
  it.each(pages)('%s has no paragraph twice', (page) => {
    const paragraphs = readFileSync(new URL(page, root), 'utf8')
      .split(/\n\s*\n/)
      .map((p) => p.replace(/\s+/g, ' ').trim())
      .filter((p) => p.length > 120 && !p.startsWith('|') && !p.startsWith('```'));
    const seen = new Set<string>();
    const twice = paragraphs.filter((p) => seen.has(p) || !seen.add(p));
    expect(twice.map((p) => p.slice(0, 80))).toEqual([]);
  });
});
