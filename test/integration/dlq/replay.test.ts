import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DeleteQueueCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import {
  type DeadLetter,
  DeadLetterOptionsError,
  deadLetterStats,
  ReplayAttribute,
  readDeadLetters,
  replayDeadLetters,
} from '../../../lib/dlq/index.ts';
import { DeadLetterAttribute } from '../../../lib/sqs/dead-letter.ts';
import { createTable, localClients, messagesIn } from '../../support/local.ts';
import { arnOf, createQueue, deadLetter, drain, order, sendPlain } from './support.ts';

const { sqs, dynamodb } = localClients();
const bodyOf = (m: { Body?: string }) => (JSON.parse(m.Body!) as { orderId: string }).orderId;
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

// A message SQS's own redrive moved: a source with maxReceiveCount 1, received twice. On AWS a
// receive asking for all system attributes also returns DeadLetterQueueSourceArn, which names the
// source (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ReceiveMessage.html,
// MessageSystemAttributeNames); fauxqs 2.4.1 does not set it, so here such a message has no
// recorded source. test/unit/dlq/dead-letter-message.test.ts covers the AWS shape.
const redriven = async (dlqUrl: string, body: string) => {
  const source = await createQueue(sqs, 'redrive-src', false, {
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: await arnOf(sqs, dlqUrl), maxReceiveCount: 1 }),
  });
  await sendPlain(sqs, source.url, body);
  for (let i = 0; i < 2; i++)
    await sqs.send(new ReceiveMessageCommand({ QueueUrl: source.url, VisibilityTimeout: 0 }));
  return source;
};

describe('dlq stats and show', () => {
  it('counts a DLQ holding messages of several source queues, by source, error and group, and leaves them there', async () => {
    const dlq = await createQueue(sqs, 'dlq');
    const orders = await createQueue(sqs, 'orders');
    const refunds = await createQueue(sqs, 'refunds');
    await deadLetter(sqs, dlq.url, orders.name, order('o1'));
    await deadLetter(sqs, dlq.url, orders.name, order('o2'));
    await deadLetter(
      sqs,
      dlq.url,
      refunds.name,
      order('r1'),
      Object.assign(new Error('timeout'), { name: 'TimeoutError' }),
    );
    await redriven(dlq.url, JSON.stringify({ orderId: 'x1' }));
    expect(await messagesIn(sqs, dlq.url)).toBe(4);

    const read = await readDeadLetters({ client: sqs, queueUrl: dlq.url, visibilityTimeoutSeconds: 5 });
    const stats = deadLetterStats(read.letters);
    expect(stats).toMatchObject({
      messages: 4,
      bySource: { [orders.name]: 2, [refunds.name]: 1, '(unknown)': 1 },
      byError: { MessageValidationError: 2, TimeoutError: 1, '(redrive)': 1 },
      byGroup: { '(none)': 4 },
    });
    expect(stats.oldestAgeSeconds).toBeGreaterThanOrEqual(0);
    expect(stats.oldestAgeSeconds).toBeLessThan(60);
    const o1 = read.letters.find((l) => l.source?.messageId === 'o1')!;
    expect(o1.error).toEqual({ name: 'MessageValidationError', message: 'amount must be positive' });
    expect(o1.receiveCount).toBe(1);
    // Made visible again at once: a consumer gets all four now, not after 5 s.
    expect(await drain(sqs, dlq.url)).toHaveLength(4);
  });

  it('reads a FIFO DLQ group by group: a read sees at most one receive of each group', async () => {
    const dlq = await createQueue(sqs, 'dlq', true);
    for (let i = 0; i < 12; i++)
      await deadLetter(sqs, dlq.url, 'orders.fifo', order(`a${i}`, { group: 'g1' }));
    await deadLetter(sqs, dlq.url, 'orders.fifo', order('b0', { group: 'g2' }));
    const read = await readDeadLetters({ client: sqs, queueUrl: dlq.url, visibilityTimeoutSeconds: 5 });
    expect(read.approximateCount).toBe(13);
    // g1's first 10 in order (its group is then in flight), and g2's one.
    expect(deadLetterStats(read.letters).byGroup).toEqual({ g1: 10, g2: 1 });
    expect(read.letters.filter((l) => l.groupId === 'g1').map((l) => l.source?.messageId)).toEqual(
      Array.from({ length: 10 }, (_, i) => `a${i}`),
    );
  });
});

describe('dlq replay', () => {
  it('sends each message back to its own source with its attributes (ours dropped), deletes it, and holds what it cannot place', async () => {
    const dlq = await createQueue(sqs, 'dlq');
    const orders = await createQueue(sqs, 'orders');
    const refunds = await createQueue(sqs, 'refunds');
    const gone = await createQueue(sqs, 'gone');
    const key = { stringValue: 'customer-7', dataType: 'String' } as const;
    await deadLetter(sqs, dlq.url, orders.name, order('o1', { attributes: { key } }));
    await deadLetter(sqs, dlq.url, refunds.name, order('r1'));
    await deadLetter(sqs, dlq.url, gone.name, order('g1'));
    await sqs.send(new DeleteQueueCommand({ QueueUrl: gone.url }));
    await redriven(dlq.url, JSON.stringify({ orderId: 'x1' }));

    const report = await replayDeadLetters({ client: sqs, queueUrl: dlq.url, visibilityTimeoutSeconds: 5 });
    expect(report).toMatchObject({ replayed: 2, held: 2, skipped: 0 });
    expect(
      report.entries
        .filter((e) => e.outcome === 'held')
        .map((e) => e.reason)
        .sort(),
    ).toEqual(['no source queue recorded: pass --to <queue>', `source queue ${gone.name} does not exist`]);
    const [toOrders] = await drain(sqs, orders.url);
    expect(bodyOf(toOrders!)).toBe('o1');
    expect(toOrders!.MessageAttributes).toEqual({
      key: { DataType: 'String', StringValue: 'customer-7' },
      [ReplayAttribute.ReplayOf]: { DataType: 'String', StringValue: 'o1' },
    });
    expect((await drain(sqs, refunds.url)).map(bodyOf)).toEqual(['r1']);
    // The two it could not place are still in the DLQ, visible again.
    expect(await messagesIn(sqs, dlq.url)).toBe(2);

    // --to places the one with no recorded source; the one whose source is gone stays.
    const again = await replayDeadLetters({
      client: sqs,
      queueUrl: dlq.url,
      to: orders.name,
      visibilityTimeoutSeconds: 5,
    });
    expect(again).toMatchObject({ replayed: 1, held: 1 });
    expect((await drain(sqs, orders.url)).map(bodyOf)).toEqual(['x1']);
    const [left] = await drain(sqs, dlq.url);
    expect(left!.MessageAttributes?.[DeadLetterAttribute.SourceQueue]?.StringValue).toBe(gone.name);
  });

  it('restores the original attributes dead-letter.ts packed when they and ours exceeded 10', async () => {
    const dlq = await createQueue(sqs, 'dlq');
    const orders = await createQueue(sqs, 'orders');
    const attributes = Object.fromEntries(
      Array.from({ length: 7 }, (_, i) => [`a${i}`, { stringValue: `v${i}`, dataType: 'String' }]),
    );
    await deadLetter(sqs, dlq.url, orders.name, order('o1', { attributes }));
    const [packed] = await drain(sqs, dlq.url);
    expect(packed!.MessageAttributes?.[DeadLetterAttribute.OriginalAttributes]).toBeDefined();
    await deadLetter(sqs, dlq.url, orders.name, order('o1', { attributes }));
    await replayDeadLetters({ client: sqs, queueUrl: dlq.url, visibilityTimeoutSeconds: 5 });
    const [replayed] = await drain(sqs, orders.url);
    expect(Object.keys(replayed!.MessageAttributes ?? {}).sort()).toEqual([
      ...Object.keys(attributes),
      ReplayAttribute.ReplayOf,
    ]);
  });

  it('replays a FIFO DLQ group by group in order, keeping each group id, past one receive of a group', async () => {
    const dlq = await createQueue(sqs, 'dlq', true);
    const orders = await createQueue(sqs, 'orders', true);
    const sent: string[] = [];
    for (let i = 0; i < 13; i++) {
      const group = i % 4 === 3 ? 'g2' : 'g1';
      sent.push(`${group}:${i}`);
      await deadLetter(sqs, dlq.url, orders.name, order(`${group}:${i}`, { group }));
    }
    const report = await replayDeadLetters({ client: sqs, queueUrl: dlq.url, visibilityTimeoutSeconds: 5 });
    expect(report).toMatchObject({ replayed: 13, held: 0 });
    const received = await drain(sqs, orders.url);
    for (const group of ['g1', 'g2']) {
      const mine = received.filter((m) => m.Attributes?.MessageGroupId === group).map(bodyOf);
      expect(mine).toEqual(sent.filter((id) => id.startsWith(group)));
    }
    expect(await messagesIn(sqs, dlq.url)).toBe(0);
  });

  it('holds the rest of a FIFO group behind a message it does not replay, and selects by group, error and time', async () => {
    const dlq = await createQueue(sqs, 'dlq', true);
    const orders = await createQueue(sqs, 'orders', true);
    const timeout = Object.assign(new Error('t'), { name: 'TimeoutError' });
    await deadLetter(sqs, dlq.url, orders.name, order('a0', { group: 'a' }), timeout);
    await deadLetter(sqs, dlq.url, orders.name, order('a1', { group: 'a' }));
    await deadLetter(sqs, dlq.url, orders.name, order('b0', { group: 'b' }));
    await deadLetter(sqs, dlq.url, orders.name, order('c0', { group: 'c' }));

    const future = await replayDeadLetters({
      client: sqs,
      queueUrl: dlq.url,
      filter: { since: new Date(Date.now() + 60_000) },
      visibilityTimeoutSeconds: 5,
    });
    expect(future).toMatchObject({ replayed: 0, skipped: 4 });
    const byError = await replayDeadLetters({
      client: sqs,
      queueUrl: dlq.url,
      filter: { errorName: 'MessageValidationError' },
      visibilityTimeoutSeconds: 5,
    });
    // a1 matches, but a0 (another error) stays ahead of it: replaying a1 would reorder group a.
    expect(byError.entries.map((e) => [e.replayId, e.outcome])).toEqual(
      expect.arrayContaining([
        ['a0', 'skipped'],
        ['a1', 'held'],
        ['b0', 'replayed'],
        ['c0', 'replayed'],
      ]),
    );
    const byGroup = await replayDeadLetters({
      client: sqs,
      queueUrl: dlq.url,
      filter: { group: 'a' },
      visibilityTimeoutSeconds: 5,
    });
    expect(byGroup).toMatchObject({ replayed: 2, held: 0 });
    expect((await drain(sqs, orders.url)).map(bodyOf).sort()).toEqual(['a0', 'a1', 'b0', 'c0']);
  });

  it('leaves a message that fails again during the replay for the next run, instead of chasing it', async () => {
    const dlq = await createQueue(sqs, 'dlq', true);
    const orders = await createQueue(sqs, 'orders', true);
    for (const id of ['p1', 'p2', 'p3'])
      await deadLetter(sqs, dlq.url, orders.name, order(id, { group: 'g' }));
    // A consumer that dead-letters each poison message again as soon as it is replayed.
    const report = await replayDeadLetters({
      client: sqs,
      queueUrl: dlq.url,
      visibilityTimeoutSeconds: 5,
      maxMessages: 50,
      onStep: async (step, letter) => {
        if (step === 'sent')
          await deadLetter(
            sqs,
            dlq.url,
            orders.name,
            order(`${letter.source?.messageId}-again`, { group: 'h' }),
          );
      },
    });
    expect(report).toMatchObject({ replayed: 3, held: 3 });
    expect(report.entries.filter((e) => e.outcome === 'held').map((e) => e.reason)).toEqual(
      Array(3).fill('dead-lettered after this replay began (again, if it was replayed)'),
    );
    expect(await messagesIn(sqs, dlq.url)).toBe(3);
  });

  it('replays a FIFO DLQ into a standard queue, and holds a standard DLQ message with no group bound for a FIFO queue', async () => {
    const fifoDlq = await createQueue(sqs, 'dlq', true);
    const standard = await createQueue(sqs, 'jobs');
    await deadLetter(sqs, fifoDlq.url, standard.name, order('j1', { group: 'g' }));
    expect(
      await replayDeadLetters({ client: sqs, queueUrl: fifoDlq.url, visibilityTimeoutSeconds: 5 }),
    ).toMatchObject({
      replayed: 1,
    });
    expect((await drain(sqs, standard.url)).map(bodyOf)).toEqual(['j1']);

    const standardDlq = await createQueue(sqs, 'dlq');
    const fifo = await createQueue(sqs, 'orders', true);
    await deadLetter(sqs, standardDlq.url, fifo.name, order('o1'));
    const back = await replayDeadLetters({
      client: sqs,
      queueUrl: standardDlq.url,
      visibilityTimeoutSeconds: 5,
    });
    expect(back.entries).toEqual([
      expect.objectContaining({
        outcome: 'held',
        reason: 'the target is FIFO and the message has no group id',
      }),
    ]);
    expect(await messagesIn(sqs, fifo.url)).toBe(0);
    expect(await messagesIn(sqs, standardDlq.url)).toBe(1);
  });

  it('sends nothing and deletes nothing on a dry run', async () => {
    const dlq = await createQueue(sqs, 'dlq');
    const orders = await createQueue(sqs, 'orders');
    await deadLetter(sqs, dlq.url, orders.name, order('o1'));
    const report = await replayDeadLetters({
      client: sqs,
      queueUrl: dlq.url,
      dryRun: true,
      visibilityTimeoutSeconds: 5,
    });
    expect(report.entries).toEqual([
      expect.objectContaining({ outcome: 'would-replay', target: orders.url }),
    ]);
    expect(await messagesIn(sqs, orders.url)).toBe(0);
    expect(await drain(sqs, dlq.url)).toHaveLength(1);
  });

  it('rejects bad options by name before touching the queue', async () => {
    const dlq = await createQueue(sqs, 'dlq');
    await deadLetter(sqs, dlq.url, 'orders', order('o1'));
    await expect(replayDeadLetters({ client: sqs, queueUrl: dlq.url, ratePerSecond: 0 })).rejects.toThrow(
      DeadLetterOptionsError,
    );
    await expect(
      replayDeadLetters({ client: sqs, queueUrl: dlq.url, visibilityTimeoutSeconds: 0 }),
    ).rejects.toThrow(/visibilityTimeoutSeconds: expected whole seconds/);
    await expect(replayDeadLetters({ client: sqs, queueUrl: 'orders-dlq' })).rejects.toThrow(
      /queueUrl: expected a queue URL/,
    );
    expect(await messagesIn(sqs, dlq.url)).toBe(1);
  });
});

// A replay killed after a send (before its delete) and after a delete, then run again to the end.
const crashAt = (steps: { step: 'sent' | 'deleted'; nth: number }[]) => {
  const seen = { sent: 0, deleted: 0 };
  return (step: 'sent' | 'deleted', _letter: DeadLetter) => {
    seen[step] += 1;
    if (steps.some((s) => s.step === step && s.nth === seen[step]))
      throw new Error(`crash after ${step} #${seen[step]}`);
  };
};

describe('dlq replay killed mid-way, then run again: 0 lost, 0 sent twice', () => {
  it('FIFO: the deterministic deduplication id drops the second send of a message sent before the crash', async () => {
    // SQS drops a FIFO send whose deduplication id was sent in the last 5 minutes, deleted or not
    // (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/using-messagededuplicationid-property.html);
    // fauxqs 2.4.1 keeps the same 5-minute cache (dist/sqs/sqsStore.js, DEDUP_WINDOW_MS).
    const dlq = await createQueue(sqs, 'dlq', true);
    const orders = await createQueue(sqs, 'orders', true);
    const ids = Array.from({ length: 8 }, (_, i) => `o${i}`);
    for (const id of ids) await deadLetter(sqs, dlq.url, orders.name, order(id, { group: 'g' }));
    const onStep = crashAt([{ step: 'sent', nth: 3 }]);
    await expect(
      replayDeadLetters({ client: sqs, queueUrl: dlq.url, onStep, visibilityTimeoutSeconds: 1 }),
    ).rejects.toThrow('crash after sent #3');
    const onStep2 = crashAt([{ step: 'deleted', nth: 2 }]);
    await sleep(1_500); // the crashed run's messages become visible again
    await expect(
      replayDeadLetters({ client: sqs, queueUrl: dlq.url, onStep: onStep2, visibilityTimeoutSeconds: 1 }),
    ).rejects.toThrow('crash after deleted #2');
    await sleep(1_500);
    const last = await replayDeadLetters({ client: sqs, queueUrl: dlq.url, visibilityTimeoutSeconds: 1 });
    expect(last.held).toBe(0);
    expect((await drain(sqs, orders.url)).map(bodyOf)).toEqual(ids);
    expect(await messagesIn(sqs, dlq.url)).toBe(0);
  });

  it('standard queue with a ledger: a message marked sent is only deleted on the re-run', async () => {
    const dlq = await createQueue(sqs, 'dlq');
    const orders = await createQueue(sqs, 'orders');
    const tableName = await createTable(dynamodb, 'replay-ledger');
    const ids = Array.from({ length: 6 }, (_, i) => `o${i}`);
    for (const id of ids) await deadLetter(sqs, dlq.url, orders.name, order(id));
    const ledger = { client: dynamodb, tableName };
    await expect(
      replayDeadLetters({
        client: sqs,
        queueUrl: dlq.url,
        ledger,
        onStep: crashAt([{ step: 'sent', nth: 2 }]),
        visibilityTimeoutSeconds: 1,
      }),
    ).rejects.toThrow('crash after sent #2');
    await sleep(1_500);
    await expect(
      replayDeadLetters({
        client: sqs,
        queueUrl: dlq.url,
        ledger,
        onStep: crashAt([{ step: 'deleted', nth: 2 }]),
        visibilityTimeoutSeconds: 1,
      }),
    ).rejects.toThrow('crash after deleted #2');
    await sleep(1_500);
    const last = await replayDeadLetters({
      client: sqs,
      queueUrl: dlq.url,
      ledger,
      visibilityTimeoutSeconds: 1,
    });
    expect(last.held).toBe(0);
    expect(last.alreadyReplayed).toBe(0); // the one sent before the first crash was deleted by the second run
    expect((await drain(sqs, orders.url)).map(bodyOf).sort()).toEqual(ids);
    expect(await messagesIn(sqs, dlq.url)).toBe(0);
  });

  it('standard queue with a ledger: a run that died between its send and its mark leaves the message in doubt, not resent', async () => {
    const dlq = await createQueue(sqs, 'dlq');
    const orders = await createQueue(sqs, 'orders');
    const tableName = await createTable(dynamodb, 'replay-ledger');
    await deadLetter(sqs, dlq.url, orders.name, order('o1'));
    // What a run that died between its send and its mark leaves: the message in the source queue
    // and in the DLQ, and its ledger entry still "sending".
    await sendPlain(sqs, orders.url, JSON.stringify({ orderId: 'o1' }));
    await dynamodb.send(
      new PutItemCommand({
        TableName: tableName,
        Item: { pk: { S: 'replay#o1' }, status: { S: 'sending' }, at: { N: String(Date.now() - 1000) } },
      }),
    );
    const rerun = await replayDeadLetters({
      client: sqs,
      queueUrl: dlq.url,
      ledger: { client: dynamodb, tableName },
      visibilityTimeoutSeconds: 1,
    });
    expect(rerun.entries).toEqual([
      expect.objectContaining({ outcome: 'held', reason: expect.stringMatching(/^in doubt/) }),
    ]);
    expect(await drain(sqs, orders.url)).toHaveLength(1);
    expect(await messagesIn(sqs, dlq.url)).toBe(1);
  });
});

it("FIFO with a ledger: a message in doubt within SQS's 5 minutes is sent again under the same deduplication id, and lands once", async () => {
  const dlq = await createQueue(sqs, 'dlq', true);
  const orders = await createQueue(sqs, 'orders', true);
  const tableName = await createTable(dynamodb, 'replay-ledger');
  await deadLetter(sqs, dlq.url, orders.name, order('o1', { group: 'g' }));
  // A run that sent o1 (under the replay's deduplication id), then died before marking it.
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: orders.url,
      MessageBody: JSON.stringify({ orderId: 'o1' }),
      MessageGroupId: 'g',
      MessageDeduplicationId: 'replay-o1',
    }),
  );
  await dynamodb.send(
    new PutItemCommand({
      TableName: tableName,
      Item: { pk: { S: 'replay#o1' }, status: { S: 'sending' }, at: { N: String(Date.now() - 1000) } },
    }),
  );
  const rerun = await replayDeadLetters({
    client: sqs,
    queueUrl: dlq.url,
    ledger: { client: dynamodb, tableName },
    visibilityTimeoutSeconds: 5,
  });
  expect(rerun).toMatchObject({ replayed: 1, held: 0 });
  expect((await drain(sqs, orders.url)).map(bodyOf)).toEqual(['o1']);
  expect(await messagesIn(sqs, dlq.url)).toBe(0);
});

it('a message sent to the DLQ with attributes of ours but no error still replays (sanity: SendMessage path)', async () => {
  const dlq = await createQueue(sqs, 'dlq');
  const orders = await createQueue(sqs, 'orders');
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: dlq.url,
      MessageBody: JSON.stringify({ orderId: 'm1' }),
      MessageAttributes: {
        [DeadLetterAttribute.SourceQueue]: { DataType: 'String', StringValue: orders.name },
      },
    }),
  );
  expect(
    await replayDeadLetters({ client: sqs, queueUrl: dlq.url, visibilityTimeoutSeconds: 5 }),
  ).toMatchObject({ replayed: 1 });
  expect((await drain(sqs, orders.url)).map(bodyOf)).toEqual(['m1']);
});
