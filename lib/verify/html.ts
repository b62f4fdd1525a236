import type { Sample, VerifyReport } from './report.ts';

const escapeHtml = (text: string) =>
  text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** A line chart as inline SVG: one polyline per series over the run's seconds. */
const chart = (
  title: string,
  timeline: readonly Sample[],
  series: { label: string; color: string; value: (s: Sample, i: number) => number }[],
) => {
  const width = 640;
  const height = 200;
  const pad = 36;
  const tMax = Math.max(1, ...timeline.map((s) => s.t));
  const values = series.map((line) => timeline.map((s, i) => line.value(s, i)));
  const yMax = Math.max(1, ...values.flat());
  const x = (t: number) => pad + (t / tMax) * (width - 2 * pad);
  const y = (v: number) => height - pad + -(v / yMax) * (height - 2 * pad);
  const lines = series.map(
    (line, k) =>
      `<polyline fill="none" stroke="${line.color}" stroke-width="1.5" points="${timeline
        .map((s, i) => `${x(s.t).toFixed(1)},${y(values[k]![i]!).toFixed(1)}`)
        .join(
          ' ',
        )}"/><text x="${width - pad}" y="${14 + 14 * k}" text-anchor="end" fill="${line.color}" font-size="11">${escapeHtml(line.label)}</text>`,
  );
  return `<figure><figcaption>${escapeHtml(title)}</figcaption><svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img">
<line x1="${pad}" y1="${height - pad}" x2="${width - pad}" y2="${height - pad}" stroke="#888"/><line x1="${pad}" y1="${pad}" x2="${pad}" y2="${height - pad}" stroke="#888"/>
<text x="${pad}" y="${height - 10}" font-size="11">0 s</text><text x="${width - pad}" y="${height - 10}" font-size="11" text-anchor="end">${tMax.toFixed(0)} s</text>
<text x="4" y="${pad}" font-size="11">${yMax.toFixed(0)}</text>${lines.join('')}</svg></figure>`;
};

const table = (rows: { name: string; ok: boolean; detail: string }[]) =>
  `<table>${rows.map((r) => `<tr><td class="${r.ok ? 'ok' : 'fail'}">${r.ok ? 'ok' : 'FAIL'}</td><td>${escapeHtml(r.name)}</td><td>${escapeHtml(r.detail)}</td></tr>`).join('')}</table>`;

/** The report as one self-contained page: verdict, invariants, reconciliation, faults, and charts over time. */
export const renderHtmlReport = (report: VerifyReport): string => {
  const t = report.timeline;
  const perSecond = (s: Sample, i: number) =>
    i === 0 ? 0 : (s.acked - t[i - 1]!.acked) / Math.max(s.t - t[i - 1]!.t, 0.001);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>reliable-events verify: ${report.ok ? 'ok' : 'FAILED'}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:60em}td{padding:2px 10px}.ok{color:#127a2e;font-weight:bold}.fail{color:#b00020;font-weight:bold}figure{margin:1em 0}figcaption{font-weight:bold}</style></head><body>
<h1>reliable-events verify: <span class="${report.ok ? 'ok' : 'fail'}">${report.ok ? 'ok' : 'FAILED'}</span></h1>
<p>${report.messages} messages in ${report.options.groups} groups to ${escapeHtml(report.queue)}, seed ${report.options.seed};
${report.sent} sent in ${report.pipelineSeconds.toFixed(1)} s (${report.throughputPerSec.toFixed(0)}/s), ${report.ddbRequestsPerMessage.toFixed(2)} DynamoDB requests per message.</p>
<h2>Invariants, from the tables and the dead-letter queues</h2>${table(report.invariants)}
${report.scenarioChecks.length > 0 ? `<h2>The scenario's checks</h2>${table(report.scenarioChecks)}` : ''}
<h2>Metrics against ground truth</h2>${table(report.reconciliation)}
<h2>Faults injected</h2><table>${Object.entries(report.faultsInjected)
    .map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td>${v}</td></tr>`)
    .join('')}</table>
<h2>Over time</h2>
${chart('Throughput: messages acknowledged per second', t, [{ label: 'acknowledged/s', color: '#1f77b4', value: perSecond }])}
${chart('In flight: records being processed', t, [{ label: 'in flight', color: '#ff7f0e', value: (s) => s.inFlight }])}
${chart('Retries and dead letters (cumulative)', t, [
  { label: 'records returned for retry', color: '#d62728', value: (s) => s.retried },
  { label: 'dead-lettered', color: '#9467bd', value: (s) => s.deadLettered },
])}
</body></html>
`;
};
