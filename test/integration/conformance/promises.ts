import { expect } from 'vitest';
import { type Combination, keepsRecord, whyNoFingerprint } from './combinations.ts';
import { type ConsumerOptions, createConsumer, type Tables } from './harness.ts';

/**
 * One promise of docs/semantics.md, as a test that runs in every combination it applies to.
 * `notApplicable` says why a combination is exempt; the suite lists it, never skips it silently.
 */
export type Promise_ = {
  id: string;
  title: string;
  /** Where docs/semantics.md makes the promise. */
  section: string;
  notApplicable?: (combination: Combination) => string | undefined;
  run: (combination: Combination, tables: Tables) => Promise<void>;
};

const noFingerprint = (c: Combination) => (keepsRecord(c) ? undefined : whyNoFingerprint(c));
const noExpiry = (c: Combination) =>
  keepsRecord(c)
    ? undefined
    : c.mode === 'group-window'
      ? 'group-window keeps no record to expire; a key leaves the window after expiresAfterMs (test/integration/sqs/group-window.test.ts)'
      : 'effect-conditional keys never expire: the marker lives as long as the item';
const onlyFifo = (c: Combination) =>
  c.queue === 'fifo' ? undefined : 'a standard queue has no message groups to keep in order';

const consumer = (c: Combination, t: Tables, options?: ConsumerOptions) => createConsumer(c, t, options);

export const promises: Promise_[] = [
  {
    id: 'once',
    title: 'a first delivery applies the effect once; a redelivery is a duplicate that applies nothing',
    section: 'the-three-modes',
    async run(c, t) {
      const k = await consumer(c, t);
      const m = k.message({ id: 'a', amount: 1 });
      expect(k.failed(await k.invoke([m]))).toEqual([]);
      expect(k.failed(await k.invoke([m]))).toEqual([]);
      expect(await k.captures('a')).toBe(1);
      expect(k.totals()).toMatchObject({ MessagesProcessed: 1, DuplicatesSuppressed: 1 });
    },
  },
  {
    id: 'duplicate-in-batch',
    title: 'the same key twice in one batch (same payload): one effect, both acknowledged',
    section: 'the-record-s-life',
    async run(c, t) {
      const k = await consumer(c, t);
      const { left } = await k.drain([
        k.message({ id: 'a', amount: 1 }),
        k.message({ id: 'b', amount: 2 }),
        k.message({ id: 'a', amount: 1 }),
      ]);
      expect(left).toEqual([]);
      expect([await k.captures('a'), await k.captures('b')]).toEqual([1, 1]);
      expect(k.totals()).toMatchObject({ MessagesProcessed: 2, DuplicatesSuppressed: 1 });
    },
  },
  {
    id: 'resend-across-batches',
    title:
      "a producer's resend (the same key in a new message, a later batch, after another message of its group) is a duplicate",
    section: 'the-record-s-life',
    async run(c, t) {
      const k = await consumer(c, t);
      expect(k.failed(await k.invoke([k.message({ id: 'a', amount: 1 })]))).toEqual([]);
      const resend = [k.message({ id: 'b', amount: 2 }), k.message({ id: 'a', amount: 1 })];
      expect(k.failed(await k.invoke(resend))).toEqual([]);
      expect([await k.captures('a'), await k.captures('b')]).toEqual([1, 1]);
      expect(k.totals()).toMatchObject({ MessagesProcessed: 2, DuplicatesSuppressed: 1 });
    },
  },
  {
    id: 'mismatch-in-batch',
    title:
      'the same key with another payload in one batch is dead-lettered (IdempotencyPayloadMismatchError), never acknowledged as a duplicate',
    section: 'the-record-s-life',
    notApplicable: noFingerprint,
    async run(c, t) {
      const k = await consumer(c, t);
      const first = k.message({ id: 'a', amount: 1 });
      const changed = k.message({ id: 'a', amount: 999 });
      const { left } = await k.drain([first, changed]);
      expect(left).toEqual([]);
      expect(await k.captures('a')).toBe(1);
      const dead = await k.deadLettered();
      expect(dead.map((d) => d.error)).toEqual(['IdempotencyPayloadMismatchError']);
      // FIFO: the later one is the mismatch; on a standard queue the two race and either may win.
      if (c.queue === 'fifo') expect(dead[0]?.messageId).toBe(changed.messageId);
      else expect([first.messageId, changed.messageId]).toContain(dead[0]?.messageId);
      expect(k.totals().DuplicatesSuppressed).toBe(0);
    },
  },
  {
    id: 'mismatch-across-batches',
    title:
      'a later delivery of a key with another payload is dead-lettered (IdempotencyPayloadMismatchError)',
    section: 'the-record-s-life',
    notApplicable: noFingerprint,
    async run(c, t) {
      const k = await consumer(c, t);
      await k.invoke([k.message({ id: 'a', amount: 1 })]);
      const changed = k.message({ id: 'a', amount: 2 });
      expect(k.failed(await k.invoke([changed]))).toEqual([]);
      expect(await k.deadLettered()).toEqual([
        { messageId: changed.messageId, error: 'IdempotencyPayloadMismatchError' },
      ]);
      expect(await k.captures('a')).toBe(1);
    },
  },
  {
    id: 'retryable-error',
    title:
      'a handler error reports the record for retry with none of its writes; FIFO: the rest of its group waits, other groups go on',
    section: 'ordering-in-sqs-batches',
    async run(c, t) {
      const k = await consumer(c, t);
      const records = [
        k.message({ id: 'a', amount: 1 }),
        k.message({ id: 'b', amount: 1, fail: 'retry', extra: 2 }),
        k.message({ id: 'c', amount: 1 }),
        k.message({ id: 'd', amount: 1 }, 'g2'),
      ];
      const failed = k.failed(await k.invoke(records));
      const [a, b, cc, d] = records.map((r) => r.messageId);
      if (c.queue === 'fifo') {
        expect(failed).toEqual([b, cc]);
        expect(await k.captures('c')).toBe(0);
        expect(k.runs).not.toContain(k.idOf('c'));
      } else {
        expect(failed).toEqual([b]);
        expect(await k.captures('c')).toBe(1);
      }
      expect(failed).not.toContain(a);
      expect(failed).not.toContain(d);
      expect([await k.captures('a'), await k.captures('b'), await k.captures('d')]).toEqual([1, 0, 1]);
      expect(await k.ledgerItem('b#0')).toBeUndefined();
    },
  },
  {
    id: 'stop-batch',
    title: "onFailure 'stop-batch': after a failure no record starts, in any group",
    section: 'ordering-in-sqs-batches',
    async run(c, t) {
      const k = await consumer(c, t, { onFailure: 'stop-batch', concurrency: 1 });
      const records = [
        k.message({ id: 'a', amount: 1 }),
        k.message({ id: 'b', amount: 1, fail: 'retry' }),
        k.message({ id: 'c', amount: 1 }, 'g2'),
      ];
      const failed = k.failed(await k.invoke(records));
      expect(failed).toEqual(records.slice(1).map((r) => r.messageId));
      expect(k.runs).not.toContain(k.idOf('c'));
      expect([await k.captures('a'), await k.captures('c')]).toEqual([1, 0]);
    },
  },
  {
    id: 'poison-dead-lettered',
    title:
      'poison (a body that is not JSON, a NonRetryableError) is dead-lettered and acknowledged; its group goes on',
    section: 'ordering-in-sqs-batches',
    async run(c, t) {
      const k = await consumer(c, t);
      const garbage = k.garbage('x');
      const poison = k.message({ id: 'p', amount: 1, fail: 'poison' });
      const records = [k.message({ id: 'a', amount: 1 }), garbage, k.message({ id: 'b', amount: 1 }), poison];
      records.push(k.message({ id: 'c', amount: 1 }));
      expect(k.failed(await k.invoke(records))).toEqual([]);
      expect(await k.captures('c')).toBe(1);
      const dead = await k.deadLettered();
      expect(dead.map((d) => d.messageId).sort()).toEqual([garbage.messageId, poison.messageId].sort());
      expect(dead.find((d) => d.messageId === poison.messageId)?.error).toBe('NonRetryableError');
      expect(k.totals()).toMatchObject({ MessagesProcessed: 3, MessagesDeadLettered: 2 });
    },
  },
  {
    id: 'poison-without-dlq',
    title:
      'poison with no dead-letter queue goes back to the queue; FIFO: the later records of its group do not run',
    section: 'ordering-in-sqs-batches',
    async run(c, t) {
      const k = await consumer(c, t, { deadLetter: 'none' });
      await expectPoisonHoldsItsGroup(c, k);
    },
  },
  {
    id: 'poison-dlq-send-fails',
    title:
      'poison whose dead-letter send fails goes back to the queue; FIFO: the later records of its group do not run',
    section: 'ordering-in-sqs-batches',
    async run(c, t) {
      const k = await consumer(c, t, { deadLetter: 'failing' });
      await expectPoisonHoldsItsGroup(c, k);
    },
  },
  {
    id: 'time-guard',
    title: 'the time guard: records not started are reported for retry; those that ran are committed',
    section: 'ordering-in-sqs-batches',
    async run(c, t) {
      let remaining = 60_000;
      const k = await consumer(c, t, {
        concurrency: 1,
        remaining: () => remaining,
        onRun: () => {
          remaining = 100;
        },
      });
      const records = ['a', 'b', 'c'].map((id) => k.message({ id, amount: 1 }));
      expect(k.failed(await k.invoke(records))).toEqual(records.slice(1).map((r) => r.messageId));
      expect([await k.captures('a'), await k.captures('b'), await k.captures('c')]).toEqual([1, 0, 0]);
    },
  },
  {
    id: 'limit-actions',
    title:
      'more writes than a transaction holds (100 actions) is IdempotencyTransactionError, dead-lettered at once; the group goes on',
    section: 'what-exactly-once-covers',
    async run(c, t) {
      await expectDeadLetteredAtOnce(c, t, { extra: 120 }, 'IdempotencyTransactionError');
    },
  },
  {
    id: 'limit-4mb',
    title: 'writes over 4 MB are IdempotencyTransactionError, dead-lettered at once',
    section: 'what-exactly-once-covers',
    async run(c, t) {
      await expectDeadLetteredAtOnce(
        c,
        t,
        { bigTotal: { items: 11, bytes: 390 * 1024 } },
        'IdempotencyTransactionError',
      );
    },
  },
  {
    id: 'limit-400kb',
    title: 'an item over 400 KB is IdempotencyTransactionError, dead-lettered at once',
    section: 'what-exactly-once-covers',
    async run(c, t) {
      await expectDeadLetteredAtOnce(c, t, { bigItem: 401 * 1024 }, 'IdempotencyTransactionError');
    },
  },
  {
    id: 'one-action-per-item-update',
    title: 'two writes on one item (two updates) are IdempotencyTransactionError, dead-lettered at once',
    section: 'what-exactly-once-covers',
    async run(c, t) {
      await expectDeadLetteredAtOnce(c, t, { sameItem: 'update' }, 'IdempotencyTransactionError');
    },
  },
  {
    id: 'one-action-per-item-put',
    title:
      "two puts of one item, the table's key never seen: IdempotencyTransactionError, dead-lettered at once",
    section: 'what-exactly-once-covers',
    async run(c, t) {
      await expectDeadLetteredAtOnce(c, t, { sameItem: 'put' }, 'IdempotencyTransactionError');
    },
  },
  {
    id: 'ambiguous-landed',
    title:
      'a commit that landed but answered an error (a lost response) is found by reading back: processed once, counted processed',
    section: 'the-record-s-life',
    async run(c, t) {
      const k = await consumer(c, t);
      k.arm('lost-response');
      const m = k.message({ id: 'a', amount: 1 });
      expect(k.failed(await k.invoke([m]))).toEqual([]);
      expect(await k.captures('a')).toBe(1);
      expect(k.totals()).toMatchObject({ MessagesProcessed: 1, DuplicatesSuppressed: 0 });
      await k.invoke([m]);
      expect(await k.captures('a')).toBe(1);
    },
  },
  {
    id: 'ambiguous-sdk-retry',
    title:
      "an SDK retry of a commit whose first attempt landed is this call's commit: processed once, not a duplicate",
    section: 'the-record-s-life',
    async run(c, t) {
      const k = await consumer(c, t);
      k.arm('sdk-retry-after-landing');
      expect(k.failed(await k.invoke([k.message({ id: 'a', amount: 1 })]))).toEqual([]);
      expect(await k.captures('a')).toBe(1);
      expect(k.totals()).toMatchObject({ MessagesProcessed: 1, DuplicatesSuppressed: 0 });
    },
  },
  {
    id: 'ambiguous-not-landed',
    title: 'a commit that failed before it was sent is retried; the redelivery applies the effect once',
    section: 'the-record-s-life',
    async run(c, t) {
      const k = await consumer(c, t);
      k.arm('before-sending');
      const { responses, left } = await k.drain([k.message({ id: 'a', amount: 1 })]);
      expect(responses.length).toBe(2);
      expect(left).toEqual([]);
      expect(await k.captures('a')).toBe(1);
    },
  },
  {
    id: 'expired-record',
    title: 'a key whose record expired runs again',
    section: 'what-exactly-once-covers',
    notApplicable: noExpiry,
    async run(c, t) {
      const k = await consumer(c, t);
      await k.expiredRecord('a');
      expect(k.failed(await k.invoke([k.message({ id: 'a', amount: 1 })]))).toEqual([]);
      expect(await k.captures('a')).toBe(1);
      expect(k.totals().MessagesProcessed).toBe(1);
    },
  },
  {
    id: 'ambiguous-expired',
    title:
      "an ambiguous commit whose read-back finds an expired record of another call is not that call's commit: retried, then applied",
    section: 'the-record-s-life',
    notApplicable: noExpiry,
    async run(c, t) {
      const k = await consumer(c, t);
      await k.expiredRecord('a');
      k.arm('before-sending');
      const { responses, left } = await k.drain([k.message({ id: 'a', amount: 1 })]);
      expect(k.failed(responses[0] ?? { batchItemFailures: [] }).length).toBe(1);
      expect(left).toEqual([]);
      expect(await k.captures('a')).toBe(1);
      expect(k.totals().DuplicatesSuppressed).toBe(0);
    },
  },
  {
    id: 'sdk-values',
    title: 'values the SDK marshals (BigInt, Set, binary, nested maps) in registered writes commit',
    section: 'what-exactly-once-covers',
    async run(c, t) {
      const k = await consumer(c, t);
      const records = [k.message({ id: 'a', amount: 1, sdkValues: true }), k.message({ id: 'b', amount: 1 })];
      expect(k.failed(await k.invoke(records))).toEqual([]);
      const item = await k.ledgerItem('a#values');
      expect(item?.big).toBe(2n ** 70n);
      expect(item?.tags).toEqual(new Set(['a', 'b']));
      expect(Buffer.from(item?.blob as Uint8Array)).toEqual(Buffer.from([1, 2, 3]));
      expect(item?.nested).toEqual({ a: { b: [1, { c: 'd' }] } });
      expect(await k.captures('b')).toBe(1);
    },
  },
  {
    id: 'keyword-placeholders',
    title: 'placeholders named like a keyword (#set, :set) in a registered update commit as written',
    section: 'effect-conditional-mode',
    async run(c, t) {
      const k = await consumer(c, t);
      const m = k.message({ id: 'a', amount: 1, keyword: true });
      expect(k.failed(await k.invoke([m]))).toEqual([]);
      await k.invoke([m]);
      expect(await k.captures('a')).toBe(1);
    },
  },
  {
    id: 'condition-dead-letter',
    title:
      "a write condition registered onConditionFailure 'dead-letter' fails the record alone as WriteConditionFailedError",
    section: 'what-exactly-once-covers',
    async run(c, t) {
      await expectDeadLetteredAtOnce(c, t, { condition: 'dead-letter' }, 'WriteConditionFailedError');
    },
  },
  {
    id: 'condition-retry',
    title:
      "a write condition that fails with 'retry' (the default) reports the record for retry, nothing of it written",
    section: 'what-exactly-once-covers',
    async run(c, t) {
      const k = await consumer(c, t);
      const m = k.message({ id: 'a', amount: 1, condition: 'retry', extra: 1 });
      expect(k.failed(await k.invoke([m]))).toEqual([m.messageId]);
      expect(await k.ledgerItem('a#0')).toBeUndefined();
      expect(await k.deadLettered()).toEqual([]);
    },
  },
  {
    id: 'concurrent-duplicate',
    title: 'the same message in two invocations at once: one effect',
    section: 'the-three-modes',
    async run(c, t) {
      const k = await consumer(c, t);
      const m = k.message({ id: 'a', amount: 1 });
      const [first, second] = await Promise.all([k.drain([m]), k.drain([m])]);
      expect([first.left, second.left]).toEqual([[], []]);
      expect(await k.captures('a')).toBe(1);
    },
  },
  {
    id: 'late-commit-fenced',
    title:
      "a late invocation's commit of a FIFO record, after a later record of its group committed, is fenced off: not applied, counted",
    section: 'the-fifo-fence',
    notApplicable: onlyFifo,
    async run(c, t) {
      let release = () => {};
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      let started = () => {};
      const running = new Promise<void>((resolve) => {
        started = resolve;
      });
      const k = await consumer(c, t, {
        onRun: (id) => {
          if (!id.endsWith('-o1')) return undefined;
          started();
          return gate;
        },
      });
      const o1 = k.message({ id: 'o1', amount: 1 });
      const o2 = k.message({ id: 'o2', amount: 2 });
      // Invocation A holds o1 past its visibility timeout; SQS moves o1 on and hands o2 to B.
      const late = k.invoke([o1]);
      await running;
      expect(k.failed(await k.invoke([o2]))).toEqual([]);
      release();
      expect(k.failed(await late)).toEqual([o1.messageId]);
      expect([await k.captures('o1'), await k.captures('o2')]).toEqual([0, 1]);
      expect(k.totals().LateCommitsFenced).toBe(1);
      expect(JSON.stringify(k.logs.lines)).toContain('LateCommitFencedError');
    },
  },
  {
    id: 'park-group',
    title:
      "onDeadLetter 'park-group': the records after a dead-lettered one follow it to the DLQ in order; replaying the group releases it, in order",
    section: 'parking-a-group',
    notApplicable: onlyFifo,
    async run(c, t) {
      const k = await consumer(c, t, { onDeadLetter: 'park-group' });
      const a = k.message({ id: 'a', amount: 1 });
      const b = k.message({ id: 'b', amount: 1, poisonUntilReplayed: true });
      const cc = k.message({ id: 'c', amount: 1 });
      const other = k.message({ id: 'x', amount: 1 }, 'g2');
      expect(k.failed(await k.invoke([a, b, cc, other]))).toEqual([]);
      // A message of the parked group sent later is parked too.
      const d = k.message({ id: 'd', amount: 1 });
      expect(k.failed(await k.invoke([d]))).toEqual([]);
      const dead = await k.deadLettered();
      expect(dead).toEqual([
        { messageId: b.messageId, error: 'NonRetryableError' },
        { messageId: cc.messageId, error: 'GroupParkedError' },
        { messageId: d.messageId, error: 'GroupParkedError' },
      ]);
      expect([
        await k.captures('a'),
        await k.captures('b'),
        await k.captures('c'),
        await k.captures('d'),
      ]).toEqual([1, 0, 0, 0]);
      expect(await k.captures('x')).toBe(1);
      // The replay sends the group back in the DLQ's order; its head releases the park.
      expect(k.failed(await k.invoke([b, cc, d].map(k.replayOf)))).toEqual([]);
      expect([await k.captures('b'), await k.captures('c'), await k.captures('d')]).toEqual([1, 1, 1]);
      const e = k.message({ id: 'e', amount: 1 });
      expect(k.failed(await k.invoke([e]))).toEqual([]);
      expect(await k.captures('e')).toBe(1);
      expect(await k.deadLettered()).toEqual([]);
    },
  },
  {
    id: 'park-group-last-receive',
    title:
      "onDeadLetter 'park-group': a failure on the last receive is dead-lettered by the consumer, in order, and parks its group",
    section: 'parking-a-group',
    notApplicable: onlyFifo,
    async run(c, t) {
      const k = await consumer(c, t, { onDeadLetter: 'park-group', maxReceiveCount: 3 });
      const a = k.message({ id: 'a', amount: 1, fail: 'retry' });
      const b = k.message({ id: 'b', amount: 1 });
      const { responses } = await k.drain([a, b]);
      // Receives 1 and 2 report it for retry; the 3rd (the last before SQS's redrive) dead-letters it.
      expect(responses.map((r) => k.failed(r).length)).toEqual([2, 2, 0]);
      expect(await k.deadLettered()).toEqual([
        { messageId: a.messageId, error: 'Error' },
        { messageId: b.messageId, error: 'GroupParkedError' },
      ]);
      expect(await k.captures('b')).toBe(0);
    },
  },
  {
    id: 'group-order',
    title: 'a FIFO group of ten records commits in order; a retry of its tail resumes where it stopped',
    section: 'ordering-in-sqs-batches',
    notApplicable: onlyFifo,
    async run(c, t) {
      const k = await consumer(c, t);
      const records = Array.from({ length: 10 }, (_, n) =>
        k.message({ id: `o${n}`, amount: n, ...(n === 6 ? { fail: 'retry' as const } : {}) }),
      );
      expect(k.failed(await k.invoke(records))).toEqual(records.slice(6).map((r) => r.messageId));
      for (let n = 0; n < 10; n++) expect(await k.captures(`o${n}`)).toBe(n < 6 ? 1 : 0);
      // The same messages come back (same SequenceNumbers); the cause of o6's failure has passed.
      const retried = records
        .slice(6)
        .map((r, n) =>
          n === 0 ? { ...r, body: JSON.stringify({ ...JSON.parse(r.body), fail: undefined }) } : r,
        );
      expect(k.failed(await k.invoke(retried))).toEqual([]);
      for (let n = 0; n < 10; n++) expect(await k.captures(`o${n}`)).toBe(1);
    },
  },
];

/** Poison that goes back to the queue: in FIFO order the records after it in its group must not run. */
const expectPoisonHoldsItsGroup = async (c: Combination, k: Awaited<ReturnType<typeof createConsumer>>) => {
  const poison = k.message({ id: 'p', amount: 1, fail: 'poison' });
  const after = k.message({ id: 'b', amount: 1, extra: 1 });
  const other = k.message({ id: 'd', amount: 1 }, 'g2');
  const records = [k.message({ id: 'a', amount: 1 }), poison, after, other];
  const failed = k.failed(await k.invoke(records));
  expect(failed).toContain(poison.messageId);
  expect(failed).not.toContain(other.messageId);
  expect([await k.captures('a'), await k.captures('d')]).toEqual([1, 1]);
  if (c.queue === 'fifo') {
    expect(failed).toEqual([poison.messageId, after.messageId]);
    expect(k.runs).not.toContain(k.idOf('b'));
    expect(await k.captures('b')).toBe(0);
    expect(await k.ledgerItem('b#0')).toBeUndefined();
  } else {
    expect(failed).toEqual([poison.messageId]);
    expect(await k.captures('b')).toBe(1);
  }
};

/** A record that can never pass is dead-lettered on its first delivery, with `error`; the others go on. */
const expectDeadLetteredAtOnce = async (
  c: Combination,
  t: Tables,
  order: Partial<Parameters<Awaited<ReturnType<typeof createConsumer>>['message']>[0]>,
  error: string,
) => {
  const k = await createConsumer(c, t);
  const bad = k.message({ id: 'bad', amount: 1, ...order });
  const records = [k.message({ id: 'a', amount: 1 }), bad, k.message({ id: 'b', amount: 1 })];
  expect(k.failed(await k.invoke(records))).toEqual([]);
  expect(await k.deadLettered()).toEqual([{ messageId: bad.messageId, error }]);
  expect([await k.captures('a'), await k.captures('bad'), await k.captures('b')]).toEqual([1, 0, 1]);
  expect(await k.ledgerItem('bad#0')).toBeUndefined();
};
