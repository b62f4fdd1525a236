import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ScenarioError } from '../../../lib/verify/errors.ts';
import { localScenarioFile } from '../../../lib/verify/load-scenario.ts';

describe("local's --scenario", () => {
  const root = mkdtempSync(join(tmpdir(), 'local-scenario-'));
  const elsewhere = mkdtempSync(join(tmpdir(), 'local-scenario-elsewhere-'));
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(elsewhere, { recursive: true, force: true });
  });
  mkdirSync(join(root, 'scenarios'));
  writeFileSync(join(root, 'scenarios/orders.mjs'), 'export default {};\n');
  writeFileSync(join(elsewhere, 'orders.mjs'), 'export default {};\n');

  it('takes an absolute path as it is, as verify does (it was joined onto the project: /project/tmp/…)', () => {
    expect(localScenarioFile(root, join(elsewhere, 'orders.mjs'))).toBe(join(elsewhere, 'orders.mjs'));
  });

  it('takes a relative path from the project', () => {
    expect(localScenarioFile(root, 'scenarios/orders.mjs')).toBe(join(root, 'scenarios/orders.mjs'));
  });

  it('names a file that is not there in one line, not as a module that threw while loading', () => {
    expect(() => localScenarioFile(root, 'nope.mjs')).toThrow(ScenarioError);
    expect(() => localScenarioFile(root, 'nope.mjs')).toThrow('--scenario nope.mjs: no such file.');
  });

  it('without --scenario, is the project default if present, else none (local runs without traffic)', () => {
    expect(localScenarioFile(root)).toBeUndefined();
    writeFileSync(join(root, 'reliable-events.verify.mjs'), 'export default {};\n');
    expect(localScenarioFile(root)).toBe(join(root, 'reliable-events.verify.mjs'));
  });
});
