import type { SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import type { LocalFunction } from '../../../lib/local/index.ts';
import { createFaultInjector } from '../../../lib/verify/faults.ts';
import { verifyDefaults } from '../../../lib/verify/options.ts';
import { keyedRandom } from '../../../lib/verify/random.ts';

const fn = { logicalId: 'Consumer' } as LocalFunction;
const record = (messageId: string, group?: string) =>
  ({ messageId, attributes: group ? { MessageGroupId: group } : {} }) as unknown as SQSRecord;
const always = () => 0;

describe('the fault injector', () => {
  const rates = { ...verifyDefaults.rates, concurrentDuplicate: 1 };

  it("may duplicate any record: the event source keeps a FIFO duplicate in its group's order", () => {
    const faults = createFaultInjector(rates, always, () => true).sqs(fn)!;
    expect([record('a'), record('b')].filter((r) => faults.duplicateDelivery!(r))).toHaveLength(2);
  });

  it('injects nothing into the functions that are not targets, but throttles every function', () => {
    const injector = createFaultInjector({ ...rates, ddbThrottle: 1 }, always, () => false);
    expect(injector.sqs(fn)).toBeUndefined();
    expect(injector.dynamodb(fn)('PutItem')).toBe('throttle');
    expect(injector.injected.ddbThrottle).toBe(1);
  });

  it('counts what it injected into each function, so the report shows every consumer got its faults', () => {
    const injector = createFaultInjector(
      { ...rates, consumerCrash: 1, ddbThrottle: 1 },
      always,
      (f) => f === fn,
    );
    const other = { logicalId: 'Downstream' } as LocalFunction;
    injector.sqs(fn)!.crashAfterHandler!({ Records: [record('a')] });
    injector.sqs(fn)!.duplicateDelivery!(record('a'));
    injector.dynamodb(other)('PutItem');
    expect(injector.injectedInto('Consumer')).toEqual({ consumerCrash: 1, concurrentDuplicate: 1 });
    expect(injector.injectedInto('Downstream')).toEqual({ ddbThrottle: 1 });
    expect(injector.injectedInto('Idle')).toEqual({});
    expect(injector.injected).toMatchObject({ consumerCrash: 1, concurrentDuplicate: 1, ddbThrottle: 1 });
  });

  it('puts the same faults on the same records in every run of a seed, whatever order they come in', () => {
    const some = {
      ...verifyDefaults.rates,
      visibilityRedelivery: 0.2,
      concurrentDuplicate: 0.2,
      ddbThrottle: 0.2,
    };
    const records = Array.from({ length: 200 }, (_, i) => ({
      ...record(`id-${i}-run-specific`),
      body: JSON.stringify({ orderId: `order-${i}` }),
      attributes: { MessageDeduplicationId: `m-${i}`, ApproximateReceiveCount: '1' },
    })) as unknown as SQSRecord[];
    const faulted = (order: SQSRecord[], otherRequests: number) => {
      const injector = createFaultInjector(some, keyedRandom(7), () => true, 0);
      // Another function's requests, asked between, as a run interleaves them.
      const other = injector.dynamodb({ logicalId: 'Relay' } as LocalFunction);
      for (let i = 0; i < otherRequests; i++) other('PutItem');
      const faults = injector.sqs(fn)!;
      return {
        late: order
          .filter((r) => faults.lateAck!(r))
          .map((r) => r.body)
          .sort(),
        duplicated: order
          .filter((r) => faults.duplicateDelivery!(r))
          .map((r) => r.body)
          .sort(),
      };
    };
    const first = faulted(records, 0);
    expect(first.late.length).toBeGreaterThan(20);
    expect(faulted([...records].reverse(), 37)).toEqual(first);
    // Another seed, other records.
    const injector = createFaultInjector(some, keyedRandom(8), () => true, 0);
    expect(
      records
        .filter((r) => injector.sqs(fn)!.lateAck!(r))
        .map((r) => r.body)
        .sort(),
    ).not.toEqual(first.late);
  });

  it("gives a function's n-th DynamoDB request the same decision whatever the other functions asked", () => {
    const rates = { ...verifyDefaults.rates, ddbThrottle: 0.3, lambdaTimeout: 0.1 };
    const decisions = (others: number) => {
      const injector = createFaultInjector(rates, keyedRandom(3), () => true, 0);
      const consumer = injector.dynamodb(fn);
      const relay = injector.dynamodb({ logicalId: 'Relay' } as LocalFunction);
      return Array.from({ length: 100 }, (_, i) => {
        for (let j = 0; j < (i % 3) * others; j++) relay('TransactWriteItems');
        return consumer(i % 2 === 0 ? 'PutItem' : 'TransactWriteItems') ?? '-';
      });
    };
    expect(decisions(0)).toEqual(decisions(2));
    expect(new Set(decisions(0))).toEqual(new Set(['-', 'throttle', 'hang', 'hang-after']));
  });

  it("keeps a function's request count across the generations of keys it forgets (a long run's memory stays bounded)", () => {
    const rates = { ...verifyDefaults.rates, ddbThrottle: 0.3, visibilityRedelivery: 0.1 };
    const decisions = (records: number) => {
      const injector = createFaultInjector(rates, keyedRandom(5), () => true, 0);
      const consumer = injector.dynamodb(fn);
      const faults = injector.sqs(fn)!;
      let asked = 0;
      return Array.from({ length: 60 }, () => {
        // Enough distinct records between two requests to turn over the generations of kept keys.
        for (let j = 0; j < records; j++, asked++)
          faults.lateAck!({
            ...record(`r-${asked}`),
            body: `b-${asked}`,
            attributes: { ApproximateReceiveCount: '1' },
          } as unknown as SQSRecord);
        return consumer('PutItem') ?? '-';
      });
    };
    // 60 × 5,000 = 300,000 record keys: three generations and more.
    expect(decisions(5_000)).toEqual(decisions(0));
  });
});
