import { describe, expect, it } from 'vitest';
import { drainWindowSeconds, renderLine, renderTable, verdictLine } from '../../../lib/cli/local-view.ts';
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
    expect(table).toMatch(/^function +batches +done +errors/m);
    expect(table).toMatch(/^Auditor1A2B +4 +0 +4 /m);
    expect(table).toContain(
      '  Auditor1A2B: FunctionLoadError: Auditor1A2B cannot load index.js: it needs "left-pad" (message m-1, batch of 3)',
    );
  });

  it('in the line printed off a terminal', () => {
    expect(renderLine({ seconds: 5, sent: 12, activity, inFlight: 0, totals: zero })).toContain('errors 4');
  });
});

describe("local's verdict", () => {
  it("waits for the longest visibility timeout of the app's queues (SQS's 30 s when unset), at least 15 s", () => {
    expect(drainWindowSeconds([{ attributes: {} }])).toBe(35);
    expect(
      drainWindowSeconds([
        { attributes: { VisibilityTimeout: '180' } },
        { attributes: { VisibilityTimeout: '5' } },
      ]),
    ).toBe(185);
    expect(drainWindowSeconds([{ attributes: { VisibilityTimeout: '2' } }])).toBe(15);
  });

  it('reads the dead-letter queues and the functions errors, not only the metrics', () => {
    const base = { queued: 0, inFlight: 0, waitedSeconds: 35, lost: 0, duplicatesSuppressed: 0 };
    expect(verdictLine({ ...base, drained: true, deadLettered: 2, errors: 4 })).toBe(
      'verdict: ok — drained; 2 in dead-letter queues, 4 function errors; 0 lost, 0 duplicates suppressed (the reliability metrics)',
    );
    expect(verdictLine({ ...base, drained: false, queued: 3, deadLettered: 0, errors: 0 })).toMatch(
      /^verdict: FAILED — 3 messages still queued, 0 in flight after 35 s;/,
    );
  });
});
