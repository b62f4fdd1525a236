import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scratchDir } from '../support/scratch.ts';

describe('npx cdk synth', () => {
  const outdir = scratchDir('cdk-cli');
  const home = scratchDir('home');

  it('synthesizes the example app with no AWS credentials, config or region', () => {
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_') && !name.startsWith('CDK_')),
    );
    const result = spawnSync('npx', ['cdk', 'synth', '--quiet', '--output', outdir], {
      env: { ...env, HOME: home },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(result.status, result.stderr.slice(-2000)).toBe(0);
    const templateFile = join(outdir, 'ReliableEventsOrderPayments.template.json');
    expect(existsSync(templateFile)).toBe(true);
    const template = JSON.parse(readFileSync(templateFile, 'utf8'));
    expect(
      Object.values(template.Resources).filter(
        (r) => (r as { Type: string }).Type === 'AWS::Lambda::Function',
      ).length,
    ).toBeGreaterThanOrEqual(3);
  }, 120_000);
});
