import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { lookUpApplied, readDeadLetters, replayDeadLetters } from '../../../lib/dlq/index.ts';
import { localClientConfig } from '../../../lib/local/index.ts';
import { DeadLetterAttribute, sendToDeadLetterQueue } from '../../../lib/sqs/dead-letter.ts';
import { localClients, messagesIn } from '../../support/local.ts';
import { createPipeline, SCOPE } from './consumer.ts';
import { createQueue, order, sendPlain } from './support.ts';

const { sqs, dynamodb, stack } = localClients();
const orderOf = (m: { Body?: string }) => (JSON.parse(m.Body!) as { orderId: string }).orderId;

describe('dlq replay: already applied', () => {
  it('records where the idempotency record is, and reports completed keys applied, in-progress, expired and missing ones not, and messages without the attribute unknown', async () => {
    const p = await createPipeline();
    // Four poison orders in four groups, dead-lettered by the consumer itself.
    for (const id of ['done', 'running', 'expired', 'never'])
      await p.send(`g-${id}`, { orderId: id, poison: true });
    await p.drainQueue();
    // One SQS's redrive would have moved: no attributes of ours.
    await sendPlain(sqs, p.dlq.url, JSON.stringify({ orderId: 'redriven' }), 'g-redriven');

    // Peeked without hiding it: the exact partition key the store uses, scope (the function's name) included.
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: p.dlq.url,
        MessageAttributeNames: ['All'],
        VisibilityTimeout: 0,
      }),
    );
    const peeked = Messages.find((m) => orderOf(m) === 'done') ?? Messages[0];
    expect(
      JSON.parse(peeked!.MessageAttributes![DeadLetterAttribute.IdempotencyRecord]!.StringValue!),
    ).toEqual({
      table: p.idempotencyTable,
      pk: `${SCOPE}#${orderOf(peeked!)}`,
    });

    // Meanwhile: 'done' was fixed and resent by its producer and applied; another invocation holds
    // 'running'; 'expired' completed long ago (past its record's expiry).
    await p.send('g-resent', { orderId: 'done' });
    await p.drainQueue();
    expect(await p.captures('done')).toBe(1);
    await p.putRecord('running', 'IN_PROGRESS');
    await p.putRecord('expired', 'COMPLETED', -60);

    const { letters } = await readDeadLetters({
      client: sqs,
      queueUrl: p.dlq.url,
      visibilityTimeoutSeconds: 5,
    });
    const applied = await lookUpApplied({ tables: [p.idempotencyTable], client: dynamodb }, letters);
    const byOrder = Object.fromEntries(
      letters.map((l) => [orderOf({ Body: l.body }), applied.get(l.messageId)?.status]),
    );
    expect(byOrder).toEqual({
      done: 'applied',
      running: 'not-applied',
      expired: 'not-applied',
      never: 'not-applied',
      redriven: 'unknown',
    });
    // A table the lookup was not given is never read: unknown, not "not applied".
    const elsewhere = await lookUpApplied({ tables: ['another-table'], client: dynamodb }, letters);
    expect([...elsewhere.values()].every((a) => a.status === 'unknown')).toBe(true);

    // The default sends an applied message all the same: the consumer suppresses it.
    const report = await replayDeadLetters({
      client: sqs,
      queueUrl: p.dlq.url,
      to: p.queue.name,
      visibilityTimeoutSeconds: 10,
      idempotency: { tables: [p.idempotencyTable], client: dynamodb },
      filter: { select: (l) => ['done', 'redriven'].includes(orderOf({ Body: l.body })) },
    });
    expect(report).toMatchObject({ replayed: 2, alreadyApplied: 1, deletedApplied: 0 });
    expect(
      Object.fromEntries(
        report.entries.filter((e) => e.outcome === 'replayed').map((e) => [e.groupId, e.applied]),
      ),
    ).toEqual({ 'g-done': 'applied', 'g-redriven': 'unknown' });
    await p.drainQueue();
    expect(await p.captures('done')).toBe(1);
    expect(await p.captures('redriven')).toBe(1);
  });

  it("--skip-applied deletes an applied message parked behind its group's head instead of sending it, and sends the head", async () => {
    const p = await createPipeline();
    await p.send('g', { orderId: 'a', poison: true }, { orderId: 'b' }, { orderId: 'c' });
    await p.drainQueue();
    // a is poison and parks g; b and c follow it to the DLQ. Then a, b and c are applied elsewhere
    // (a resend of each, say, in another group).
    for (const id of ['a', 'b', 'c']) await p.putRecord(id, 'COMPLETED');
    const report = await replayDeadLetters({
      client: sqs,
      queueUrl: p.dlq.url,
      visibilityTimeoutSeconds: 10,
      idempotency: { tables: [p.idempotencyTable], client: dynamodb },
      skipApplied: true,
    });
    expect(report).toMatchObject({ replayed: 1, alreadyApplied: 3, deletedApplied: 2, held: 0 });
    expect(report.entries.map((e) => [e.outcome, e.applied])).toEqual([
      ['replayed', 'applied'],
      ['already-applied', 'applied'],
      ['already-applied', 'applied'],
    ]);
    expect(await messagesIn(sqs, p.dlq.url)).toBe(0);
    // The one sent is suppressed by the consumer, and it lifts the park its message made.
    await p.drainQueue();
    expect(await p.captures('a')).toBe(0);
    expect(await p.fence('g')).not.toHaveProperty('parkedAt');
  });

  it('--skip-applied never deletes the head a parked group waits for, even when it stands behind its followers in the DLQ', async () => {
    const p = await createPipeline();
    await p.send('g', { orderId: 'a', poison: true }, { orderId: 'b' }, { orderId: 'c' });
    await p.drainQueue();
    // The operator replays the head alone; it fails again and the park moves to its new message,
    // which now stands behind b and c in the DLQ.
    await replayDeadLetters({
      client: sqs,
      queueUrl: p.dlq.url,
      visibilityTimeoutSeconds: 10,
      filter: { select: (l) => orderOf({ Body: l.body }) === 'a' },
    });
    await p.drainQueue();
    expect(await p.fence('g')).toHaveProperty('parkedAt');
    for (const id of ['a', 'b', 'c']) await p.putRecord(id, 'COMPLETED');
    const report = await replayDeadLetters({
      client: sqs,
      queueUrl: p.dlq.url,
      visibilityTimeoutSeconds: 10,
      idempotency: { tables: [p.idempotencyTable], client: dynamodb },
      skipApplied: true,
    });
    // b and c, parked behind the head, are dropped; the head is sent, and its replay lifts the park.
    expect(report).toMatchObject({ replayed: 1, deletedApplied: 2 });
    await p.drainQueue();
    expect(await messagesIn(sqs, p.dlq.url)).toBe(0);
    expect(await p.fence('g')).not.toHaveProperty('parkedAt');
  });

  it('a record that completes between the lookup and the send is reported not applied, sent, and suppressed by the consumer', async () => {
    const p = await createPipeline();
    await p.send('g', { orderId: 'late', poison: true });
    await p.drainQueue();
    // The lookup's own client completes the record right after DynamoDB answered the lookup.
    const racing = new DynamoDBClient(localClientConfig(stack, stack.dynamodb.endpoint));
    racing.middlewareStack.add(
      (next) => async (args) => {
        const answer = await next(args);
        await p.putRecord('late', 'COMPLETED');
        return answer;
      },
      { step: 'deserialize', name: 'completeAfterLookup' },
    );
    const report = await replayDeadLetters({
      client: sqs,
      queueUrl: p.dlq.url,
      visibilityTimeoutSeconds: 10,
      idempotency: { tables: [p.idempotencyTable], client: racing },
    });
    expect(report.entries.map((e) => [e.outcome, e.applied])).toEqual([['replayed', 'not-applied']]);
    await p.drainQueue();
    // Harmless: the consumer finds the key completed and applies nothing.
    expect(await p.captures('late')).toBe(0);
    expect(await messagesIn(sqs, p.dlq.url)).toBe(0);
  });

  it('leaves the record out when it would take the dead letter past 256 KiB, so the message itself still goes through', async () => {
    const dlq = await createQueue(sqs, 'dlq');
    const ref = { table: 'idempotency', pk: `${SCOPE}#${'k'.repeat(2000)}` };
    const big = order('big');
    big.body = JSON.stringify({ orderId: 'big', pad: 'x'.repeat(262_144 - 2_000) });
    const error = Object.assign(new Error('too big to pay'), { name: 'MessageValidationError' });
    await sendToDeadLetterQueue(sqs, dlq.url, big, error, 'orders', ref);
    await sendToDeadLetterQueue(sqs, dlq.url, order('small'), error, 'orders', ref);
    const { letters } = await readDeadLetters({
      client: sqs,
      queueUrl: dlq.url,
      visibilityTimeoutSeconds: 5,
    });
    const byOrder = Object.fromEntries(letters.map((l) => [orderOf({ Body: l.body }), l.idempotency]));
    expect(byOrder).toEqual({ big: undefined, small: ref });
  });
});
