// Runs the conformance suite (test/integration/conformance) and prints its matrix: each promise of
// docs/semantics.md against each combination of mode, group commit and queue kind — pass, FAIL,
// or n/a (the promise does not apply; the suite names why). Exit 1 when any cell failed.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { combinations } from '../test/integration/conformance/combinations.ts';

const dir = mkdtempSync(join(tmpdir(), 'reliable-events-conformance-'));
const report = join(dir, 'report.json');
try {
  const run = spawnSync(
    process.execPath,
    [
      join('node_modules', 'vitest', 'vitest.mjs'),
      'run',
      'test/integration/conformance',
      '--reporter=json',
      `--outputFile=${report}`,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const results = JSON.parse(readFileSync(report, 'utf8')) as {
    testResults: { assertionResults: { ancestorTitles: string[]; title: string; status: string }[] }[];
  };
  const cell = new Map<string, string>();
  // Promise ids in the suite's order, and why each is not applicable where it is not.
  const ids: string[] = [];
  const reasons = new Map<string, Set<string>>();
  for (const file of results.testResults)
    for (const test of file.assertionResults) {
      const [, id = '?', rest = ''] = /^\[([^\]]+)\] (.*)$/.exec(test.title) ?? [];
      if (!ids.includes(id)) ids.push(id);
      const status = test.status === 'passed' ? 'pass' : test.status === 'skipped' ? 'n/a' : 'FAIL';
      if (status === 'n/a')
        reasons.set(id, (reasons.get(id) ?? new Set()).add(rest.replace(/^not applicable: /, '')));
      // The combination's name ends the describe block's title ('lease fifo', 'attacks: lease fifo').
      const block = test.ancestorTitles.at(-1) ?? '';
      const combination = combinations.find((c) => block === c.name || block.endsWith(`: ${c.name}`));
      cell.set(`${combination?.name ?? block}|${id}`, status);
    }
  const short = (name: string) =>
    name.replace('effect-conditional', 'effect').replace('+group-commit', '+gc').replace(' standard', ' std');
  const width = Math.max(...ids.map((id) => id.length));
  const columns = combinations.map((c) => short(c.name));
  const pad = (text: string, n: number) => text.padEnd(n);
  const colWidth = Math.max(...columns.map((c) => c.length));
  console.log(`${pad('promise', width)}  ${columns.map((c) => pad(c, colWidth)).join(' ')}`);
  let failed = 0;
  for (const id of ids) {
    const row = combinations.map((c) => {
      const status = cell.get(`${c.name}|${id}`) ?? 'not run';
      if (status !== 'pass' && status !== 'n/a') failed++;
      return pad(status, colWidth);
    });
    console.log(`${pad(id, width)}  ${row.join(' ')}`);
  }
  const cells = ids.length * combinations.length;
  const na = [...cell.values()].filter((s) => s === 'n/a').length;
  console.log(`\n${cells} cells: ${cells - na - failed} pass, ${na} n/a, ${failed} failed or not run`);
  for (const [id, why] of reasons) for (const reason of why) console.log(`n/a ${id}: ${reason}`);
  process.exitCode = failed > 0 || run.status !== 0 ? 1 : 0;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
