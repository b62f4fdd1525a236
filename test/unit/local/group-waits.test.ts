import { describe, expect, it } from 'vitest';
import { groupWaits } from '../../../lib/local/group-waits.ts';
import { sqsRecord } from '../../support/sqs-events.ts';

describe('how long a FIFO group stands still after a retry', () => {
  it('runs from the batch that returned its records to the next receive of the group, once', () => {
    const waits = groupWaits();
    const [a1, a2, b1] = [
      sqsRecord('a1', {}, { group: 'a' }),
      sqsRecord('a2', {}, { group: 'a' }),
      sqsRecord('b1', {}, { group: 'b' }),
    ];
    expect(waits.received([a1, a2, b1], 0)).toEqual([]);
    // a's records came back; b's were acknowledged.
    waits.returned([a1, a2, b1], new Set(['a2']), 1_000);
    expect(waits.received([b1], 2_000)).toEqual([]);
    expect(waits.received([a2], 31_000)).toEqual([30_000]);
    expect(waits.received([a2], 32_000)).toEqual([]);
  });

  it('ignores standard-queue records (no group)', () => {
    const waits = groupWaits();
    const r = sqsRecord('s1', {});
    waits.returned([r], new Set(['s1']), 0);
    expect(waits.received([r], 5_000)).toEqual([]);
  });
});
