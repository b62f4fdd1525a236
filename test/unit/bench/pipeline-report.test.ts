import { expect, it } from 'vitest';
import { type Row, summarize } from '../../../bench/pipeline-report.ts';
import { costPerMillion } from '../../../bench/prices.ts';

const run = (contender: string, messagesPerSec: number, duplicates = 0): Row => ({
  latencyMs: 5,
  groups: 1,
  contender,
  messagesPerSec,
  requestsPerMessage: 1,
  writeUnitsPerMessage: 4,
  readUnitsPerMessage: 0,
  sqsRequestsPerMessage: 0.3,
  recordsPerBatch: 10,
  handlerMsPerMessage: 5,
  cost: { dynamodb: 2.5, sqs: 0.15, lambda: 0.1, total: 2.75 },
  checks: { missing: 0, duplicates, outOfOrder: 0, retried: 0, largestItem: 100 },
  capacity: { checked: 1, agreed: 1, transactions: { modeled: 4, reported: 4 }, unmodeled: 0 },
});

it('reports the median of the runs per contender and sums their checks', () => {
  const rows = summarize([run('a', 10), run('b', 1), run('a', 30, 1), run('a', 20)], ['b', 'a']);
  expect(rows.map((r) => [r.contender, r.messagesPerSec, r.checks.duplicates])).toEqual([
    ['b', 1, 0],
    ['a', 20, 1],
  ]);
});

it('prices a million messages: write units, SQS requests, Lambda requests and GB-seconds at 512 MB arm64', () => {
  // 1,000 messages: 3 write units each, 300 SQS requests, 100 invocations of 1 s in all
  const cost = costPerMillion({
    messages: 1000,
    writeUnits: 3000,
    readUnits: 0,
    sqsRequests: 300,
    invocations: 100,
    handlerMs: 1000,
  });
  expect(cost.dynamodb).toBeCloseTo(1.875);
  expect(cost.sqs).toBeCloseTo(0.15);
  expect(cost.lambda).toBeCloseTo(0.02 + 0.5 * 0.0000133334 * 1000);
  expect(cost.total).toBeCloseTo(cost.dynamodb + cost.sqs + cost.lambda);
});
