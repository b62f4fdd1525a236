import { describe, expect, it } from 'vitest';
import { backlogBelow } from '../../../lib/verify/activity.ts';
import { seededRandom } from '../../../lib/verify/random.ts';
import { sendMessages } from '../../../lib/verify/send-workload.ts';
import { planWorkload } from '../../../lib/verify/workload.ts';

describe('a long run sends at the consumers’ pace', () => {
  it('waits while the backlog is at the limit, and resolves once it is below', async () => {
    let backlog = 12;
    setTimeout(() => {
      backlog = 3;
    }, 300);
    const started = Date.now();
    await backlogBelow(10, () => backlog, 5_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(backlog).toBe(3);
  });

  it('never stops the sending: after its longest wait it resolves whatever the backlog', async () => {
    const started = Date.now();
    await backlogBelow(10, () => 99, 300);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('sendMessages asks before each chunk, so a held-back chunk is not sent', async () => {
    const plan = planWorkload(
      { message: (i: number) => ({ key: `k${i}`, group: 'g', body: { i } }) },
      { messages: 25, groups: 1, rates: { poison: 0, producerResend: 0 } },
      () => seededRandom(1),
    );
    const sentBefore: number[] = [];
    let sent = 0;
    const producer = {
      send: async (batch: { id: string }[]) => {
        sent += batch.length;
        return { sent: batch.map((m) => ({ id: m.id, messageId: `sqs-${m.id}` })), failed: [] };
      },
    };
    const result = await sendMessages(producer as never, plan.messages(), undefined, 10, async () => {
      sentBefore.push(sent);
    });
    expect(sentBefore).toEqual([0, 10, 20]);
    expect(result.messages).toBe(25);
    // Each message id maps to its key (kept by a digest of the id).
    expect(result.indexOfMessage('sqs-m-3')).toBe(3);
    expect(result.indexOfMessage('sqs-m-24')).toBe(24);
    expect(result.indexOfMessage('sqs-m-25')).toBeUndefined();
  });
});
