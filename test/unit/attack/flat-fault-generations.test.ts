import type { SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import type { LocalFunction } from '../../../lib/local/index.ts';
import { createFaultInjector } from '../../../lib/verify/faults.ts';
import { verifyDefaults } from '../../../lib/verify/options.ts';

// Attacks on the fault injector's generations of ask counts: a function's n-th request must get
// the same draw in every run of a seed, however many records the run received in between (that
// number depends on timing: batch compositions, retries). A function that asks rarely (a relay's
// DeleteItem, a downstream consumer) must not have its count forgotten with the record keys.

const consumer = { logicalId: 'Consumer' } as LocalFunction;
const rare = { logicalId: 'Downstream' } as LocalFunction;

// The keys the injector draws for, in order, for Downstream's requests; records between them.
const drawnFor = (recordsBetween: number) => {
  const keys: string[] = [];
  const injector = createFaultInjector(
    { ...verifyDefaults.rates, ddbThrottle: 0.3, visibilityRedelivery: 0.1 },
    (key) => {
      if (key.includes('Downstream')) keys.push(key);
      return 0.99;
    },
    // Downstream is no target: only its throttles are drawn.
    (fn) => fn === consumer,
    0,
  );
  const faults = injector.sqs(consumer)!;
  const downstream = injector.dynamodb(rare);
  for (let round = 0; round < 2; round++) {
    downstream('DeleteItem');
    for (let j = 0; j < recordsBetween; j++)
      faults.lateAck!({
        messageId: `r-${round}-${j}`,
        body: `b-${round}-${j}`,
        attributes: { ApproximateReceiveCount: '1' },
      } as unknown as SQSRecord);
  }
  downstream('DeleteItem');
  return keys;
};

describe('the fault injector across generations of kept keys', () => {
  it("draws a rarely asked function's 2nd and 3rd requests as such, however many records came between", () => {
    const quiet = drawnFor(0);
    expect(quiet).toEqual([
      'ddbThrottle|Downstream|DeleteItem|1|1',
      'ddbThrottle|Downstream|DeleteItem|2|1',
      'ddbThrottle|Downstream|DeleteItem|3|1',
    ]);
    // 2 × 120,000 record keys between: each request is still in the previous generation.
    expect(drawnFor(120_000)).toEqual(quiet);
    // 2 × 210,000: more than two generations of 100,000 between two requests.
    expect(drawnFor(210_000)).toEqual(quiet);
  });
});
