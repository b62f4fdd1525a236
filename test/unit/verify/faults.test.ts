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

  it('duplicates on FIFO only the first record of each group in a batch, as SQS can', async () => {
    const faults = createFaultInjector(rates, always, () => true).sqs(fn)!;
    const batch = [record('a', 'g1'), record('b', 'g1'), record('c', 'g2'), record('d', 'g2')];
    expect(batch.filter((r) => faults.duplicateDelivery!(r)).map((r) => r.messageId)).toEqual(['a', 'c']);
    await Promise.resolve();
    // The next batch starts afresh.
    expect(batch.filter((r) => faults.duplicateDelivery!(r)).map((r) => r.messageId)).toEqual(['a', 'c']);
  });

  it('may duplicate any record of a standard queue', () => {
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
