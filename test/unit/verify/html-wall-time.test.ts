import { describe, expect, it } from 'vitest';
import { renderHtmlReport } from '../../../lib/verify/html.ts';
import { sampleReport } from '../../support/verify-report.ts';

describe("the HTML report's times", () => {
  it('gives the wall time of the whole run and its parts, as the table and the JSON do', () => {
    const html = renderHtmlReport(sampleReport());
    expect(html).toContain('wall time 75.0 s (setup 5.0 s, until drained 60.0 s, checks 10.0 s)');
  });
});
