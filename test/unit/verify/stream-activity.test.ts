import { describe, expect, it } from 'vitest';
import { type BatchCounts, countBatch, doneOf } from '../../../lib/local/function-errors.ts';
import { formatReport } from '../../../lib/verify/format.ts';
import { sampleReport } from '../../support/verify-report.ts';

const fresh = (): BatchCounts => ({ batches: 0, records: 0, acked: 0, errors: 0, firstErrors: [] });

describe("a stream consumer's batches", () => {
  it('count the records its checkpoint moved past, not "0 acknowledged"', () => {
    const relay = fresh();
    countBatch(relay, { records: 100, outcome: 'ok', retried: 0 });
    countBatch(relay, { records: 100, outcome: 'partial', retried: 40 });
    countBatch(relay, { records: 60, outcome: 'error', retried: 60, error: new Error('down') });
    expect(relay).toMatchObject({ batches: 3, records: 260, acked: 0, checkpointed: 160, errors: 1 });
    expect(doneOf(relay)).toBe('160 checkpointed');
  });

  it("an SQS consumer's count its deleted records, and a function with both shows both", () => {
    const consumer = fresh();
    countBatch(consumer, { records: 10, groups: 2, deleted: 8, retried: 2, outcome: 'partial' });
    expect(doneOf(consumer)).toBe('8 acknowledged');
    countBatch(consumer, { records: 5, outcome: 'ok', retried: 0 });
    expect(doneOf(consumer)).toBe('8 acknowledged, 5 checkpointed');
  });

  it('read so in the table, with one error said in the singular', () => {
    const report = sampleReport();
    report.functions.push({
      ...report.functions[0]!,
      service: 'RelayOrderEvents',
      acked: 0,
      checkpointed: 1_990,
      errors: 1,
      firstErrors: [],
      faults: {},
    });
    expect(formatReport(report)).toMatch(
      /RelayOrderEvents +\d+ batches, \d+ records, 1990 checkpointed, 1 error \(/,
    );
  });
});
