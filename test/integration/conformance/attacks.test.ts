// Adversarial review of issue 21, as promise-style tests on the existing harness: each runs in every
// combination it applies to, on DynamoDB Local and the local SQS. Each asserts the documented
// behaviour (docs/semantics.md), so it fails while the hole is there.
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { localClients } from '../../support/local.ts';
import { sqsRecord } from '../../support/sqs-events.ts';
import { type Combination, combinations, keepsRecord, whyNoFingerprint } from './combinations.ts';
import { createConsumer, createTables, type Tables } from './harness.ts';
import type { Promise_ } from './promises.ts';

const { documents } = localClients();

const noFingerprint = (c: Combination) => (keepsRecord(c) ? undefined : whyNoFingerprint(c));

const attacks: Promise_[] = [
  {
    id: 'attack-ambiguous-mismatch',
    title:
      "an ambiguous commit whose read-back finds another payload's live record is dead-lettered (IdempotencyPayloadMismatchError), never acknowledged as a duplicate",
    section: 'the-record-s-life',
    notApplicable: noFingerprint,
    async run(c, t) {
      const k = await createConsumer(c, t);
      // Another delivery of key a, with another payload, completed (live) before this one commits.
      await documents.send(
        new PutCommand({
          TableName: t.idempotency,
          Item: {
            pk: k.idOf('a'),
            status: 'COMPLETED',
            owner: 'another-call',
            leaseExpiresAt: 0,
            expiresAt: Math.floor(Date.now() / 1000) + 3600,
            fingerprint: 'fingerprint-of-another-payload',
          },
        }),
      );
      k.arm('before-sending');
      const m = k.message({ id: 'a', amount: 2 });
      const { left } = await k.drain([m]);
      expect(left).toEqual([]);
      expect(await k.deadLettered()).toEqual([
        { messageId: m.messageId, error: 'IdempotencyPayloadMismatchError' },
      ]);
      expect(k.totals().DuplicatesSuppressed ?? 0).toBe(0);
    },
  },
  {
    id: 'attack-validation-error-reason',
    title:
      'a transaction DynamoDB cancels with a ValidationError reason (an operand of the wrong type) can never pass: IdempotencyTransactionError, dead-lettered at once',
    section: 'what-exactly-once-covers',
    async run(c, t) {
      const k = await createConsumer(c, t);
      // `ADD captures :set` on a string attribute: refused at execution, inside the transaction,
      // as a cancellation reason `ValidationError` (not a ValidationException).
      await documents.send(
        new PutCommand({ TableName: t.payments, Item: { pk: k.idOf('a'), captures: 'not a number' } }),
      );
      const m = k.message({ id: 'a', amount: 1, extra: 1 });
      const response = await k.invoke([m]);
      expect(k.failed(response)).toEqual([]);
      expect((await k.deadLettered()).map((d) => d.error)).toEqual(['IdempotencyTransactionError']);
    },
  },
  {
    id: 'attack-validation-error-reason-in-chunk',
    title:
      'FIFO: the refused record is dead-lettered and the records after it in its group are applied (not retried until the redrive)',
    section: 'group-commit',
    notApplicable: (c) => (c.queue === 'fifo' ? undefined : 'no message groups on a standard queue'),
    async run(c, t) {
      const k = await createConsumer(c, t);
      await documents.send(
        new UpdateCommand({
          TableName: t.payments,
          Key: { pk: k.idOf('b') },
          UpdateExpression: 'SET captures = :s',
          ExpressionAttributeValues: { ':s': 'not a number' },
        }),
      );
      const records = [
        k.message({ id: 'a', amount: 1, extra: 1 }),
        k.message({ id: 'b', amount: 1, extra: 1 }),
        k.message({ id: 'c', amount: 1, extra: 1 }),
      ];
      const { responses, left } = await k.drain(records);
      expect(responses.length).toBe(1);
      expect(left).toEqual([]);
      expect([await k.captures('a'), await k.captures('c')]).toEqual([1, 1]);
    },
  },
  {
    id: 'attack-unmarshallable-number',
    title:
      'a number the SDK cannot marshal (1e999 parses to Infinity) fails before sending, every time: dead-lettered, not retried until the redrive',
    section: 'what-exactly-once-covers',
    async run(c, t) {
      const k = await createConsumer(c, t);
      const m = sqsRecord(
        `attack-inf-${Date.now()}`,
        `{"id":"${k.idOf('a')}","amount":1e999}`,
        c.queue === 'fifo' ? { raw: true, group: 'g1' } : { raw: true },
      );
      const { responses } = await k.drain([m]);
      // Documented: input that can never pass is dead-lettered at once.
      expect(responses.length).toBe(1);
      expect((await k.deadLettered()).length).toBe(1);
    },
  },
];

describe.each(combinations)('attacks: $name', (combination) => {
  let tables: Tables;
  beforeAll(async () => {
    tables = await createTables();
  });
  for (const attack of attacks) {
    const reason = attack.notApplicable?.(combination);
    if (reason) it.skip(`[${attack.id}] not applicable: ${reason}`, () => {});
    else it(`[${attack.id}] ${attack.title}`, () => attack.run(combination, tables));
  }
});
