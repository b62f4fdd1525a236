// `npm start`: proves the example app loses, duplicates and reorders nothing under injected faults.
// Synthesizes the CDK app, deploys it onto DynamoDB Local and the SQS emulator, sends orders
// while faults are injected (seeded), waits for the pipeline to drain, then checks invariants
// from the effect tables and the dead-letter queue. `npm start -- --help` lists the options.
import { writeFileSync } from 'node:fs';
import { renderHtmlReport } from './verify/html.ts';
import { parseVerifyArgs, usage, type VerifyOptions } from './verify/options.ts';
import { formatReport } from './verify/report.ts';
import { type Progress, runVerify } from './verify/run.ts';

let options: VerifyOptions | undefined;
try {
  options = parseVerifyArgs(process.argv.slice(2));
} catch (error) {
  console.error(`${(error as Error).message}\n\n${usage}`);
  process.exit(2);
}
if (!options) {
  console.log(usage);
  process.exit(0);
}

const bar = (fraction: number, width = 30) => {
  const full = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `${'█'.repeat(full)}${'░'.repeat(width - full)}`;
};
let lastLine = 0;
const onProgress = (p: Progress) => {
  const line =
    `${bar(p.acked / Math.max(p.expected, 1))} ${String(p.acked).padStart(6)}/${p.expected} acknowledged` +
    ` · sent ${p.sent} · in flight ${p.inFlight} · faults ${p.faults} · ${(p.elapsedMs / 1000).toFixed(0)} s · ${p.phase}`;
  if (process.stdout.isTTY) process.stdout.write(`\r${line}\x1b[K`);
  else if (Date.now() - lastLine >= 5_000) {
    lastLine = Date.now();
    console.log(line);
  }
};

console.log(
  `Deploying the example app locally; then ${options.orders} orders in ${options.groups} groups under injected faults (seed ${options.seed})…`,
);
const report = await runVerify(options, options.quiet ? {} : { onProgress });
if (process.stdout.isTTY && !options.quiet) process.stdout.write('\n');
console.log(formatReport(report));
if (options.json) {
  writeFileSync(options.json, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`report: ${options.json}`);
}
if (options.html) {
  writeFileSync(options.html, renderHtmlReport(report));
  console.log(`page: ${options.html}`);
}
process.exit(report.ok ? 0 : 1);
