import { describe, expect, it } from 'vitest';
import { renderLine, renderTable } from '../../../lib/cli/local-view.ts';
import type { LocalDeployment } from '../../../lib/local/index.ts';
import { COUNTERS } from '../../../lib/metrics/names.ts';

const zero = () => Object.fromEntries(COUNTERS.map((k) => [k, 0])) as never;
const deployment = {
  functions: [
    { logicalId: 'Auditor1A2B', environment: {}, entry: 'index.js', handler: 'handler', timeoutMs: 3000 },
  ],
} as unknown as LocalDeployment;

describe("reliable-events local shows a function's errors", () => {
  const activity = new Map([
    [
      'Auditor1A2B',
      {
        batches: 4,
        records: 12,
        acked: 0,
        errors: 4,
        firstErrors: [
          {
            name: 'FunctionLoadError',
            message: 'Auditor1A2B cannot load index.js: it needs "left-pad"',
            messageId: 'm-1',
            records: 3,
          },
        ],
      },
    ],
  ]);

  it('in the table: a count per function, and the first errors with their message', () => {
    const table = renderTable({ title: 't', deployment, totals: zero, activity, sent: 12 });
    expect(table).toMatch(/^function +batches +acked +errors/m);
    expect(table).toMatch(/^Auditor1A2B +4 +0 +4 /m);
    expect(table).toContain(
      '  Auditor1A2B: FunctionLoadError: Auditor1A2B cannot load index.js: it needs "left-pad" (message m-1, batch of 3)',
    );
  });

  it('in the line printed off a terminal', () => {
    expect(renderLine({ seconds: 5, sent: 12, activity, inFlight: 0, totals: zero })).toContain('errors 4');
  });
});
