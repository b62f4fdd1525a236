import { describe, expect, it } from 'vitest';

describe('toolchain', () => {
  it('npm scripts run on the Node 24 pinned in devDependencies, not the machine node', () => {
    expect(process.versions.node.split('.')[0]).toBe('24');
  });
});
