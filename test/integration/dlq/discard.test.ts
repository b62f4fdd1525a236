import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type DeadLetter,
  discardDeadLetter,
  readDeadLetters,
  replayDeadLetters,
} from '../../../lib/dlq/index.ts';
import { localClients, messagesIn } from '../../support/local.ts';
import { createPipeline } from './consumer.ts';

const root = join(import.meta.dirname, '../../..');
mkdirSync(join(root, '.local'), { recursive: true });
const scratch = mkdtempSync(join(root, '.local/dlq-discard-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const { sqs, dynamodb, stack } = localClients();
const { AWS_ENDPOINT_URL_SQS: _, ...environment } = process.env;
const cli = (args: string[]) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [join(root, 'lib/cli/main.ts'), 'dlq', ...args],
      {
        cwd: scratch,
        env: { ...environment, AWS_REGION: stack.region, AWS_ENDPOINT_URL_DYNAMODB: stack.dynamodb.endpoint },
        timeout: 60_000,
      },
      (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
const orderOf = (letter: Pick<DeadLetter, 'body'>) =>
  (JSON.parse(letter.body) as { orderId: string }).orderId;
const linesOf = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { body: string; groupId: string; replayId: string });

/** A poison head h parked its group g; s1, s2 and s3 followed it to the DLQ. */
const parkedGroup = async () => {
  const p = await createPipeline();
  await p.send('g', { orderId: 'h', poison: true }, { orderId: 's1' }, { orderId: 's2' }, { orderId: 's3' });
  await p.drainQueue();
  const { letters } = await readDeadLetters({
    client: sqs,
    queueUrl: p.dlq.url,
    visibilityTimeoutSeconds: 5,
  });
  expect(letters.map((l) => [orderOf(l), l.error?.name])).toEqual([
    ['h', 'NonRetryableError'],
    ['s1', 'GroupParkedError'],
    ['s2', 'GroupParkedError'],
    ['s3', 'GroupParkedError'],
  ]);
  return { p, head: letters[0] as DeadLetter, s1: letters[1] as DeadLetter };
};

describe('dlq discard: a poison head that would park its group forever', () => {
  it('replaying the group only parks it again; discard exports the head, moves the park, and the successors are applied once, in order; a re-run is a no-op', async () => {
    const { p, head } = await parkedGroup();
    // The replay cannot help: h fails again and parks g again, and its successors follow it back.
    await replayDeadLetters({
      client: sqs,
      queueUrl: p.dlq.url,
      filter: { group: 'g' },
      visibilityTimeoutSeconds: 10,
    });
    await p.drainQueue();
    expect(await p.ledger('g')).toEqual([]);
    const again = await readDeadLetters({ client: sqs, queueUrl: p.dlq.url, visibilityTimeoutSeconds: 5 });
    expect(again.letters.map(orderOf)).toEqual(['h', 's1', 's2', 's3']);
    const newHead = again.letters[0] as DeadLetter;
    expect(newHead.messageId).not.toBe(head.messageId);

    const file = join(scratch, 'poison.jsonl');
    const args = [
      'discard',
      p.dlq.url,
      '--endpoint',
      stack.sqs.endpoint,
      '--group',
      'g',
      '--message-id',
      newHead.messageId,
      '--to',
      file,
      '--idempotency-table',
      p.idempotencyTable,
      '--visibility-timeout',
      '10',
    ];
    const first = await cli(args);
    expect(first.stderr).toBe('');
    expect(first.code, first.stdout).toBe(0);
    expect(first.stdout).toContain(`discarded ${newHead.messageId}`);
    expect(first.stdout).toMatch(/the park of group g now waits for message \S+, its first left in the DLQ/);
    expect(first.stdout).toMatch(/replayed 3 /);
    expect(first.stdout).not.toContain('"poison"');
    // The poison is in the file, readable by its owner only; nothing of it is left in the DLQ.
    expect(linesOf(file).map((line) => [JSON.parse(line.body).orderId, line.groupId])).toEqual([['h', 'g']]);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    await p.drainQueue();
    expect(await p.ledger('g')).toEqual(['s1', 's2', 's3']);
    expect([
      await p.captures('s1'),
      await p.captures('s2'),
      await p.captures('s3'),
      await p.captures('h'),
    ]).toEqual([1, 1, 1, 0]);
    expect(await messagesIn(sqs, p.dlq.url)).toBe(0);
    expect(await p.fence('g')).not.toHaveProperty('parkedAt');
    // A later order of g is applied at once: the group is released.
    await p.send('g', { orderId: 's4' });
    await p.drainQueue();
    expect(await p.ledger('g')).toEqual(['s1', 's2', 's3', 's4']);

    const rerun = await cli(args);
    expect(rerun.code).toBe(0);
    expect(rerun.stdout).toContain('was discarded before');
    expect(rerun.stdout).toContain('group g is not parked');
    expect(rerun.stdout).toMatch(/replayed 0 /);
    expect(linesOf(file)).toHaveLength(1);
    await p.drainQueue();
    expect(await p.ledger('g')).toEqual(['s1', 's2', 's3', 's4']);
  });

  it.each(['exported', 'deleted', 'park-moved'] as const)(
    'a run that dies after "%s" loses nothing, and its re-run finishes the job: the head once in the file, the park on s1',
    async (step) => {
      const { p, head, s1 } = await parkedGroup();
      const file = join(scratch, `crash-${step}.jsonl`);
      const options = {
        client: sqs,
        queueUrl: p.dlq.url,
        messageId: head.source!.messageId!,
        group: 'g',
        file,
        fence: { tableName: p.idempotencyTable, client: dynamodb },
        visibilityTimeoutSeconds: 10,
      };
      await expect(
        discardDeadLetter({
          ...options,
          onStep: (at) => {
            if (at === step) throw new Error(`killed after ${at}`);
          },
        }),
      ).rejects.toThrow(`killed after ${step}`);
      // Written and synced before the delete: the head is in the file, or still in the DLQ, or both.
      expect(linesOf(file).map((line) => line.replayId)).toEqual([head.source!.messageId]);
      expect(await messagesIn(sqs, p.dlq.url)).toBe(step === 'exported' ? 4 : 3);

      const report = await discardDeadLetter(options);
      expect(report.outcome).toBe(step === 'exported' ? 'discarded' : 'already-discarded');
      expect(report.park).toEqual({ kind: 'moved', to: s1.source!.messageId });
      expect(linesOf(file)).toHaveLength(1);
      expect(await messagesIn(sqs, p.dlq.url)).toBe(3);

      await replayDeadLetters({ client: sqs, queueUrl: p.dlq.url, visibilityTimeoutSeconds: 10 });
      await p.drainQueue();
      expect(await p.ledger('g')).toEqual(['s1', 's2', 's3']);
    },
  );

  it('refuses, deleting nothing, a message that is neither in the DLQ nor in the file', async () => {
    const { p } = await parkedGroup();
    const file = join(scratch, 'nothing.jsonl');
    await expect(
      discardDeadLetter({
        client: sqs,
        queueUrl: p.dlq.url,
        messageId: 'no-such-message',
        group: 'g',
        file,
        fence: { tableName: p.idempotencyTable, client: dynamodb },
        visibilityTimeoutSeconds: 10,
      }),
    ).rejects.toThrow(/neither in the dead-letter queue nor in .*nothing\.jsonl/);
    expect(await messagesIn(sqs, p.dlq.url)).toBe(4);
    expect((await p.fence('g'))?.parkedAt).toBeDefined();
  });

  it("in a DLQ two queues share, moves the park to its own queue's next message of the group, not the other queue's", async () => {
    // Queue B's parked group g reaches the shared DLQ first, then queue A's (the same group id).
    const b = await createPipeline();
    const a = await createPipeline({ dlq: b.dlq });
    await b.send('g', { orderId: 'hB', poison: true }, { orderId: 'b1' });
    await b.drainQueue();
    await a.send('g', { orderId: 'hA', poison: true }, { orderId: 'a1' });
    await a.drainQueue();
    const { letters } = await readDeadLetters({
      client: sqs,
      queueUrl: b.dlq.url,
      visibilityTimeoutSeconds: 5,
    });
    expect(letters.map(orderOf)).toEqual(['hB', 'b1', 'hA', 'a1']);
    const [, , hA, a1] = letters as DeadLetter[];
    const report = await discardDeadLetter({
      client: sqs,
      queueUrl: b.dlq.url,
      messageId: hA!.messageId,
      group: 'g',
      file: join(scratch, 'shared.jsonl'),
      fence: { tableName: a.idempotencyTable, client: dynamodb },
      visibilityTimeoutSeconds: 5,
    });
    // A's park waits for a1 (A's next), never for hB: A's group would stay parked for good.
    expect(report.nextInGroup).toBe(a1!.source?.messageId);
  });

  it("does not lift the park when the other queue's 10 messages of the group hide its own next one", async () => {
    const a = await createPipeline();
    const b = await createPipeline({ dlq: a.dlq });
    await a.send('g', { orderId: 'hA', poison: true });
    await a.drainQueue();
    const bs = Array.from({ length: 9 }, (_, i) => ({ orderId: `b${i + 1}` }));
    await b.send('g', { orderId: 'hB', poison: true }, ...bs);
    await b.drainQueue();
    // A's group is parked: a1 follows hA to the DLQ, behind B's ten.
    await a.send('g', { orderId: 'a1' });
    await a.drainQueue();
    const { letters } = await readDeadLetters({
      client: sqs,
      queueUrl: a.dlq.url,
      visibilityTimeoutSeconds: 5,
    });
    const hA = letters[0] as DeadLetter;
    expect(orderOf(hA)).toBe('hA');
    await expect(
      discardDeadLetter({
        client: sqs,
        queueUrl: a.dlq.url,
        messageId: hA.messageId,
        group: 'g',
        file: join(scratch, 'hidden.jsonl'),
        fence: { tableName: a.idempotencyTable, client: dynamodb },
        visibilityTimeoutSeconds: 5,
      }),
    ).rejects.toThrow(/the first messages of group g the DLQ hands out are another queue's/);
  });

  it("does not lift the park when fewer than 10 of the other queue's messages of the group fill the receive and hide its own next one", async () => {
    // A receive holds another group's 7 letters and 3 of B's group g; while those 3 are in
    // flight SQS hands out no more of g, so A's a1 behind them is never seen.
    const a = await createPipeline();
    const b = await createPipeline({ dlq: a.dlq });
    await a.send('g', { orderId: 'hA', poison: true });
    await a.drainQueue();
    const xs = Array.from({ length: 6 }, (_, i) => ({ orderId: `x${i + 1}` }));
    await a.send('x', { orderId: 'hX', poison: true }, ...xs);
    await a.drainQueue();
    await b.send('g', { orderId: 'hB', poison: true }, { orderId: 'b1' }, { orderId: 'b2' });
    await b.drainQueue();
    await a.send('g', { orderId: 'a1' });
    await a.drainQueue();
    const { letters } = await readDeadLetters({
      client: sqs,
      queueUrl: a.dlq.url,
      visibilityTimeoutSeconds: 5,
    });
    const hA = letters.find((l) => orderOf(l) === 'hA') as DeadLetter;
    expect(letters.map(orderOf).filter((o) => !/^h?x/i.test(o))).toEqual(['hA', 'hB', 'b1', 'b2', 'a1']);
    await expect(
      discardDeadLetter({
        client: sqs,
        queueUrl: a.dlq.url,
        messageId: hA.messageId,
        group: 'g',
        file: join(scratch, 'hidden-partly.jsonl'),
        fence: { tableName: a.idempotencyTable, client: dynamodb },
        visibilityTimeoutSeconds: 5,
      }),
    ).rejects.toThrow(/another queue's/);
    // a1 is still in the DLQ: A's group stays parked until a1's replay commits.
    expect((await a.fence('g'))?.parkedAt).toBeDefined();
  });

  it('names a message hidden behind the first messages of its group the DLQ hands out, rather than saying it is nowhere', async () => {
    // One receive holds group x's 7 letters and h, s1, s2 of group g: s3 is behind them.
    const p = await createPipeline();
    const xs = Array.from({ length: 6 }, (_, i) => ({ orderId: `x${i + 1}` }));
    await p.send('x', { orderId: 'hX', poison: true }, ...xs);
    await p.drainQueue();
    await p.send(
      'g',
      { orderId: 'h', poison: true },
      { orderId: 's1' },
      { orderId: 's2' },
      { orderId: 's3' },
    );
    await p.drainQueue();
    // s3 cannot be seen from the DLQ (not even by dlq show); an id not among those handed out:
    const discard = (group: string) =>
      discardDeadLetter({
        client: sqs,
        queueUrl: p.dlq.url,
        messageId: 'an-id-behind',
        group,
        file: join(scratch, 'behind.jsonl'),
        fence: { tableName: p.idempotencyTable, client: dynamodb },
        visibilityTimeoutSeconds: 5,
      });
    await expect(discard('g')).rejects.toThrow(
      /is not among the first messages of group g the DLQ hands out .* it may be behind them/,
    );
    // A group none of whose messages are in the DLQ: the id is nowhere.
    await expect(discard('y')).rejects.toThrow(/is neither in the dead-letter queue nor in/);
  });
});
