import { describe, expect, it } from 'vitest';
import { type DeadLetter, readDeadLetters, replayDeadLetters } from '../../../lib/dlq/index.ts';
import { localClients, messagesIn } from '../../support/local.ts';
import { createPipeline } from './consumer.ts';

const { sqs } = localClients();
const orderOf = (letter: Pick<DeadLetter, 'body'>) =>
  (JSON.parse(letter.body) as { orderId: string }).orderId;

describe('park-group across replays', () => {
  it('regression: a replayed head that fails again parks its group behind its new id, so a replay once it is fixed releases the group', async () => {
    const p = await createPipeline();
    await p.send('g', { orderId: 'h', poison: true }, { orderId: 's1' });
    await p.drainQueue();
    await replayDeadLetters({ client: sqs, queueUrl: p.dlq.url, visibilityTimeoutSeconds: 10 });
    await p.drainQueue();
    const { letters } = await readDeadLetters({
      client: sqs,
      queueUrl: p.dlq.url,
      visibilityTimeoutSeconds: 5,
    });
    expect(letters.map(orderOf)).toEqual(['h', 's1']);
    // The park waits for the id h's copy in the DLQ is replayed as (before the fix: h's first id,
    // which no copy carries any more, so no replay could ever release g).
    expect((await p.fence('g'))?.parkedMessageId).toBe(letters[0]?.source?.messageId);
    p.fix('h');
    await replayDeadLetters({ client: sqs, queueUrl: p.dlq.url, visibilityTimeoutSeconds: 10 });
    await p.drainQueue();
    expect(await p.ledger('g')).toEqual(['h', 's1']);
    expect(await messagesIn(sqs, p.dlq.url)).toBe(0);
  });

  it('regression: a parked head the consumer already applied, replayed, lifts its park, so its followers are applied in order', async () => {
    const p = await createPipeline();
    await p.send('g', { orderId: 'h', poison: true }, { orderId: 's1' }, { orderId: 's2' });
    await p.drainQueue();
    expect((await p.fence('g'))?.parkedAt).toBeDefined();
    // The head's key completed anyway (a concurrent delivery committed it before the park).
    await p.putRecord('h', 'COMPLETED');
    const report = await replayDeadLetters({
      client: sqs,
      queueUrl: p.dlq.url,
      visibilityTimeoutSeconds: 10,
    });
    expect(report).toMatchObject({ replayed: 3, held: 0 });
    await p.drainQueue();
    // Before the fix the duplicate head left the park standing: s1 and s2 went back to the DLQ.
    expect(await p.ledger('g')).toEqual(['s1', 's2']);
    expect(await messagesIn(sqs, p.dlq.url)).toBe(0);
  });
});
