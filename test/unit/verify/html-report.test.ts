import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderHtmlReport } from '../../../lib/verify/html.ts';
import { sampleReport } from '../../support/verify-report.ts';

// Debian's chromium; CI installs it in .ci/run. Without a binary the browser test says so and skips.
const chromium = ['chromium', 'chromium-browser', 'google-chrome'].find(
  (name) => spawnSync('sh', ['-c', `command -v ${name}`]).status === 0,
);
const dir = mkdtempSync(join(tmpdir(), 'html-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The page as a headless browser leaves it once its scripts ran, with no network.
const renderInBrowser = (html: string) => {
  const file = join(dir, `report-${Math.random().toString(36).slice(2)}.html`);
  writeFileSync(file, html);
  return execFileSync(
    chromium!,
    [
      ...['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
      ...[
        '--disable-component-update',
        '--disable-sync',
        `--user-data-dir=${mkdtempSync(join(dir, 'profile-'))}`,
      ],
      '--virtual-time-budget=5000',
      '--dump-dom',
      `file://${file}`,
    ],
    { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'ignore'] },
  );
};

describe('the HTML report', () => {
  it('is one page that fetches nothing: the chart library is inlined', () => {
    const html = renderHtmlReport(sampleReport());
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|<img[^>]+src=|@import|url\(/);
    expect(html).toContain('uPlot');
  });

  it("shows each function's errors, the fault check, and a check that did not run as not checked", () => {
    const report = sampleReport();
    report.invariants.push({
      name: "each group's effects are in sequence order",
      ok: null,
      detail: 'not checked: x',
    });
    const html = renderHtmlReport(report);
    expect(html).toContain('<td>2; RangeError: amount out of range (message msg-1, batch of 10); TypeError');
    expect(html).toContain('every enabled fault fired at least 3 times');
    expect(html).toContain(
      '<td class="">not checked</td><td>each group\'s effects are in sequence order</td>',
    );
  });

  it.skipIf(!chromium)(
    'shows the verdict, the invariants, the alarms and charts with data in a real browser',
    () => {
      const dom = renderInBrowser(renderHtmlReport(sampleReport()));
      expect(dom).toMatch(/<span id="verdict" class="verdict ok">ok<\/span>/);
      expect(dom).toContain('every non-poison message has exactly one effect');
      expect(dom).toContain('12.5 s OK → ALARM');
      expect(dom).toContain('not evaluated');
      // Four charts, each drawn by uPlot (a canvas, axes with units) from the 60 samples.
      const drawn = [...dom.matchAll(/<div class="chart" id="([a-z-]+)" data-points="(\d+)">/g)];
      expect(drawn.map((m) => [m[1], m[2]])).toEqual([
        ['throughput', '60'],
        ['progress', '60'],
        ['in-flight', '60'],
        ['retries', '60'],
      ]);
      expect(dom.match(/<canvas/g)).toHaveLength(4);
      expect(dom).toContain('messages/s');
      expect(dom).toContain('seconds since the first message was sent');
    },
    90_000,
  );

  it.skipIf(!chromium)(
    'shows a failed run as FAILED',
    () => {
      const dom = renderInBrowser(renderHtmlReport(sampleReport(false)));
      expect(dom).toMatch(/<span id="verdict" class="verdict fail">FAILED<\/span>/);
      expect(dom).toMatch(/<td class="fail">FAIL<\/td><td>every non-poison message has exactly one effect/);
    },
    90_000,
  );

  if (!chromium)
    it('needs a browser for the rendering tests', () => {
      console.warn(
        'No chromium binary on the PATH: the HTML report was not rendered in a browser (apt-get install chromium).',
      );
    });
});
