import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));

/** The README and every page under docs/. */
const markdownFiles = (): string[] => [
  join(root, 'README.md'),
  ...readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => join(root, 'docs', name)),
];

/** The text outside fenced code blocks, with inline code spans emptied (a link there is no link). */
const prose = (markdown: string) =>
  markdown
    .replace(/^```[\s\S]*?^```/gm, '')
    .split('\n')
    .map((line) => line.replace(/`[^`]*`/g, '``'))
    .join('\n');

/** The anchors GitHub gives a page's headings: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
const anchors = (markdown: string): Set<string> => {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const [, heading] of markdown.replace(/^```[\s\S]*?^```/gm, '').matchAll(/^#{1,6} +(.+?) *#*$/gm)) {
    const slug = heading!
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    result.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return result;
};

/** Each relative link of a page that does not resolve: a missing file or a missing heading. */
const brokenLinks = (file: string, markdown = readFileSync(file, 'utf8')): string[] => {
  const broken: string[] = [];
  for (const [, target] of prose(markdown).matchAll(/\]\(([^)\s]+)(?: "[^"]*")?\)/g)) {
    if (/^[a-z]+:/i.test(target!)) continue; // https:, mailto: — not checked offline
    const [path, anchor] = target!.split('#') as [string, string | undefined];
    const resolved = join(dirname(file), decodeURIComponent(path));
    const where = `${relative(root, file)}: ${target}`;
    if (path === '') {
      if (!anchors(markdown).has(anchor!)) broken.push(`${where} (no such heading)`);
    } else if (!existsSync(resolved)) {
      broken.push(`${where} (no such file)`);
    } else if (anchor !== undefined) {
      if (statSync(resolved).isDirectory() || !resolved.endsWith('.md')) {
        broken.push(`${where} (an anchor into a file that is not markdown)`);
      } else if (!anchors(readFileSync(resolved, 'utf8')).has(anchor)) {
        broken.push(`${where} (no such heading)`);
      }
    }
  }
  return broken;
};

describe('the documentation', () => {
  it('finds the anchors GitHub gives headings', () => {
    const page =
      '# The command\n## Proving it: `npm start`\n```sh\n# not a heading\n```\n## Proving it: `npm start`\n';
    expect([...anchors(page)]).toEqual(['the-command', 'proving-it-npm-start', 'proving-it-npm-start-1']);
  });

  it('reports a link to a missing file or heading, and passes one that resolves', () => {
    const page = join(root, 'docs', 'example.md');
    const links = [
      '[ok](semantics.md#the-fifo-fence)',
      '[ok](../README.md)',
      '[ok](https://example.invalid/none)',
      '`[in code](nowhere.md)`',
      '[bad](nowhere.md)',
      '[bad](semantics.md#no-such-heading)',
      '[bad](#not-here)',
    ];
    expect(brokenLinks(page, `# Example\n\n${links.join('\n')}\n`)).toEqual([
      'docs/example.md: nowhere.md (no such file)',
      'docs/example.md: semantics.md#no-such-heading (no such heading)',
      'docs/example.md: #not-here (no such heading)',
    ]);
  });

  it('has every relative link of the README and docs/ resolve to a file and heading that exist', () => {
    const files = markdownFiles();
    expect(files.length).toBeGreaterThan(5);
    expect(files.flatMap((file) => brokenLinks(file))).toEqual([]);
  });

  it('has an index in docs/README.md that links every page of docs/', () => {
    const index = readFileSync(join(root, 'docs', 'README.md'), 'utf8');
    const pages = readdirSync(join(root, 'docs')).filter(
      (name) => name.endsWith('.md') && name !== 'README.md',
    );
    expect(pages.filter((page) => !index.includes(`](${page}`))).toEqual([]);
  });
});
