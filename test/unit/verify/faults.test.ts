import type { SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import type { LocalFunction } from '../../../lib/local/index.ts';
import { createFaultInjector } from '../../../lib/verify/faults.ts';
import { verifyDefaults } from '../../../lib/verify/options.ts';

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
});
