import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { doneOf, formatFunctionError } from '../local/function-errors.ts';
import { wallTimeOf } from './format.ts';
import type { Check, VerifyReport } from './report.ts';

const escapeHtml = (text: string) =>
  text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

// uPlot (MIT) is inlined, so the page draws its charts with no network fetch when it is opened.
const uplot = () => {
  const require = createRequire(import.meta.url);
  const read = (file: string) => readFileSync(require.resolve(`uplot/dist/${file}`), 'utf8');
  return { js: read('uPlot.iife.min.js'), css: read('uPlot.min.css') };
};
// Text placed inside <script> must not close it early.
const inScript = (text: string) => text.replace(/<\/(script)/gi, '<\\/$1');

const checks = (title: string, rows: readonly Check[]) =>
  rows.length === 0
    ? ''
    : `<section><h2>${escapeHtml(title)}</h2><table class="checks">${rows
        .map(
          (r) =>
            `<tr><td class="${r.ok === null ? '' : r.ok ? 'ok' : 'fail'}">${r.ok === null ? 'not checked' : r.ok ? 'ok' : 'FAIL'}</td><td>${escapeHtml(r.name)}</td><td>${escapeHtml(r.detail)}</td></tr>`,
        )
        .join('')}</table></section>`;

const rowsOf = (head: string[], rows: (string | number)[][]) =>
  `<table><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(String(c))}</td>`).join('')}</tr>`)
    .join('')}</table>`;

/** The charts: each a title, a y-axis unit and its series over the run's seconds. */
const chartData = (report: VerifyReport) => {
  const t = report.timeline;
  const seconds = t.map((s) => Number(s.t.toFixed(1)));
  const perSecond = t.map((s, i) =>
    i === 0 ? 0 : Number(((s.acked - t[i - 1]!.acked) / Math.max(s.t - t[i - 1]!.t, 0.001)).toFixed(1)),
  );
  return [
    {
      id: 'throughput',
      title: 'Throughput',
      unit: 'messages/s',
      series: [{ label: 'acknowledged/s', color: '#1f77b4', values: perSecond }],
    },
    {
      id: 'progress',
      title: 'Sent and acknowledged (cumulative)',
      unit: 'messages',
      series: [
        { label: 'sent', color: '#7f7f7f', values: t.map((s) => s.sent) },
        { label: 'acknowledged', color: '#2ca02c', values: t.map((s) => s.acked) },
      ],
    },
    {
      id: 'in-flight',
      title: 'In flight',
      unit: 'records',
      series: [{ label: 'in flight', color: '#ff7f0e', values: t.map((s) => s.inFlight) }],
    },
    {
      id: 'retries',
      title: 'Retries and dead letters (cumulative)',
      unit: 'records',
      series: [
        { label: 'returned for retry', color: '#d62728', values: t.map((s) => s.retried) },
        { label: 'dead-lettered', color: '#9467bd', values: t.map((s) => s.deadLettered) },
      ],
    },
  ].map((chart) => ({ ...chart, seconds }));
};

// Draws each chart with uPlot: axes with units, a legend that shows the values under the cursor.
const DRAW = `
for (const chart of JSON.parse(document.getElementById('chart-data').textContent)) {
  const target = document.getElementById(chart.id);
  new uPlot({
    width: Math.min(900, document.body.clientWidth - 40), height: 240,
    series: [{ label: 'time', value: (u, v) => v == null ? '' : v + ' s' },
      ...chart.series.map((s) => ({ label: s.label, stroke: s.color, width: 1.5, value: (u, v) => v == null ? '' : v + ' ' + chart.unit }))],
    scales: { x: { time: false } },
    axes: [{ label: 'seconds since the first message was sent' }, { label: chart.unit, size: 60 }],
  }, [chart.seconds, ...chart.series.map((s) => s.values)], target);
  target.dataset.points = String(chart.seconds.length);
}`;

/** The report as one self-contained page: verdict, checks, alarms, faults, functions and charts over time. */
export const renderHtmlReport = (report: VerifyReport): string => {
  const { js, css } = uplot();
  const verdict = report.ok ? 'ok' : 'FAILED';
  const start = report.timelineStartedAt;
  const alarms = report.alarms.alarms.map((a) => [
    a.logicalId,
    a.evaluated ? a.state : 'not evaluated',
    a.evaluated
      ? [
          ...a.transitions
            .slice(0, 8)
            .map((tr) => `${((tr.at - start) / 1000).toFixed(1)} s ${tr.from} → ${tr.to}`),
          ...(a.transitions.length > 8 ? [`… ${a.transitions.length - 8} more (in the JSON report)`] : []),
        ].join('; ') || '—'
      : a.reason,
  ]);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>reliable-events verify: ${verdict}</title>
<style>${css}
body{font:14px system-ui,sans-serif;margin:2em;max-width:70em;color:#222}td,th{padding:2px 10px;text-align:left;vertical-align:top}
.ok{color:#127a2e;font-weight:bold}.fail{color:#b00020;font-weight:bold}h1 .verdict{padding:0 .3em;border-radius:4px}
figure{margin:1.5em 0}figcaption{font-weight:bold;margin-bottom:.3em}</style></head><body>
<h1>reliable-events verify: <span id="verdict" class="verdict ${report.ok ? 'ok' : 'fail'}">${verdict}</span></h1>
<p>${report.messages} messages in ${report.options.groups} groups to ${escapeHtml(report.queue)}, seed ${report.options.seed}:
${report.sent} sent, ${report.effects} effects, ${report.lost} lost, ${report.duplicateEffects} duplicate, ${report.orderViolations ?? '–'} out of order,
${report.deadLettered} dead-lettered; ${report.throughputPerSec.toFixed(0)} messages/s over ${report.pipelineSeconds.toFixed(1)} s,
${report.ddbRequestsPerMessage.toFixed(2)} DynamoDB requests per message; wall time ${wallTimeOf(report)}.</p>
${checks('Invariants, from the tables and the dead-letter queues', report.invariants)}
${(report.workloads ?? []).map((w) => checks(`Workload ${w.queue} (${w.promise}): ${w.messages} messages, ${w.sent} sent`, w.invariants)).join('\n')}
${checks("The scenario's checks", report.scenarioChecks)}
${checks('Metrics against ground truth', report.reconciliation)}
<section><h2>Alarms, evaluated locally (periods ${report.options.alarmPeriodScale}× shorter)</h2>${checks('', report.alarmChecks).replace(/^<section><h2><\/h2>|<\/section>$/g, '')}
${rowsOf(['alarm', 'state at the end', 'transitions (since the first message was sent)'], alarms)}</section>
<section><h2>Over time</h2><noscript>The charts need JavaScript.</noscript>
${chartData(report)
  .map(
    (c) =>
      `<figure><figcaption>${escapeHtml(c.title)} (${escapeHtml(c.unit)})</figcaption><div class="chart" id="${c.id}"></div></figure>`,
  )
  .join('\n')}</section>
<section><h2>Faults injected</h2>${rowsOf(['fault', 'count'], Object.entries(report.faultsInjected))}
${checks('', report.faultChecks ?? []).replace(/^<section><h2><\/h2>|<\/section>$/g, '')}</section>
<section><h2>Functions</h2>${rowsOf(
    ['function', 'code', 'batches', 'records', 'done', 'faults injected', 'errors (the first ones)'],
    [
      ...report.functions.map((f) => [
        f.service,
        f.code === 'asset' ? 'synthesized asset' : 'source',
        f.batches,
        f.records,
        doneOf(f),
        Object.entries(f.faults ?? {})
          .map(([kind, n]) => `${kind} ${n}`)
          .join(', '),
        [String(f.errors), ...(f.firstErrors ?? []).map(formatFunctionError)].join('; '),
      ]),
      ...report.notRun.map((f) => [f.logicalId, `not run: ${f.reason}`, '', '', '', '', '']),
    ],
  )}</section>
<script type="application/json" id="chart-data">${inScript(JSON.stringify(chartData(report)))}</script>
<script>${inScript(js)}</script>
<script>${inScript(DRAW)}</script>
</body></html>
`;
};
