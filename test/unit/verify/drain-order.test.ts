import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import type { LocalQueue } from '../../../lib/local/index.ts';
import { waitForDrain } from '../../../lib/verify/drain.ts';

const queue = {
  logicalId: 'Orders',
  name: 'orders',
  url: 'http://127.0.0.1:1/000000000000/orders',
} as LocalQueue;

describe('waitForDrain', () => {
  it("asks the scenario's pending (which may scan a whole table) only once the queues are empty", async () => {
    const sqs = mockClient(SQSClient);
    let queued = 3;
    sqs.on(GetQueueAttributesCommand).callsFake(async () => ({
      Attributes: { ApproximateNumberOfMessages: String(queued > 0 ? queued-- : 0) },
    }));
    let asked = 0;
    let askedWhileQueued = 0;
    const result = await waitForDrain({
      sqs: new SQSClient({ region: 'us-east-1' }),
      queues: [queue],
      inFlight: () => 0,
      pending: async () => {
        asked += 1;
        if (queued > 0) askedWhileQueued += 1;
        return 0;
      },
      timeoutMs: 20_000,
    });
    expect(result.drained).toBe(true);
    expect(asked).toBeGreaterThan(0);
    expect(askedWhileQueued).toBe(0);
    sqs.restore();
  }, 30_000);
});
