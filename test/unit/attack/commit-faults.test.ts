// Adversarial review of issue 21: faults DynamoDB can return, driven through sqsBatch with a mocked
// document client. Each test asserts the behaviour docs/semantics.md promises.
import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { updateOncePerKey } from '../../../lib/idempotency/effect-writes.ts';
import { IdempotencyTransactionError } from '../../../lib/idempotency/errors.ts';
import { dynamoDBStore, memoryStore } from '../../../lib/idempotency/index.ts';
import { createTransactionCollector } from '../../../lib/idempotency/transaction.ts';
import { DeadLetterAttribute, sqsBatch } from '../../../lib/sqs/index.ts';
import { captureLogger, failedIds, lambdaContext, sqsEvent, sqsRecord } from '../../support/sqs-events.ts';

const DLQ = 'https://sqs.us-east-1.amazonaws.com/123456789012/orders-dlq';
const ddb = mockClient(DynamoDBDocumentClient);
const sqs = mockClient(SQSClient);
const client = DynamoDBDocumentClient.from(
  new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } }),
);
const store = () => dynamoDBStore({ tableName: 'idem', client });
const quiet = () => ({ metrics: false as const, logger: captureLogger().logger });
const dlqErrorNames = () =>
  sqs
    .commandCalls(SendMessageCommand)
    .map((c) => c.args[0].input.MessageAttributes?.[DeadLetterAttribute.ErrorName]?.StringValue);
const cancelled = (codes: string[]) =>
  new TransactionCanceledException({
    message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes.join(', ')}]`,
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code, Message: Code === 'None' ? undefined : 'refused' })),
  });

beforeEach(() => {
  ddb.reset();
  sqs.reset();
  sqs.on(SendMessageCommand).resolves({ MessageId: 'dlq-1' });
  ddb.on(PutCommand).resolves({});
  ddb.on(UpdateCommand).resolves({});
  ddb.on(DeleteCommand).resolves({});
  ddb.on(GetCommand).resolves({});
});

type Body = { id: string; amount?: number };

describe('attack: group commit, a cancelled chunk whose reasons blame no action', () => {
  it('ends after a bounded number of requests (no settle loop) [exactly-once + groupCommit, FIFO]', async () => {
    let transacts = 0;
    ddb.on(TransactWriteCommand).callsFake(() => {
      transacts++;
      // Safety valve so the test ends even when the bug is there.
      if (transacts > 60) return {};
      throw cancelled(['None', 'None']);
    });
    const handler = sqsBatch<Body>(async () => {}, {
      ...quiet(),
      groupCommit: true,
      fence: false,
      idempotency: { store: store(), key: (m) => m.body.id },
    });
    await handler(
      sqsEvent(sqsRecord('m1', { id: 'a' }, { group: 'g' }), sqsRecord('m2', { id: 'b' }, { group: 'g' })),
      lambdaContext(),
    );
    // Documented: a cancellation that names nobody is committed call by call ("unattributed"), or
    // reported for retry — never re-sent in a loop. Observed: commitChunk returns every result
    // undefined after n + 1 identical rounds, settle re-adds them all and loops.
    expect(transacts).toBeLessThanOrEqual(3);
  });
});

describe('attack: ambiguous commit read back finds another payload’s live record', () => {
  it('is not acknowledged as a duplicate: dead-lettered as IdempotencyPayloadMismatchError or retried [exactly-once + groupCommit]', async () => {
    ddb.on(PutCommand).rejects(Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }));
    ddb.on(GetCommand).callsFake((input: { Key: { pk: string } }) => ({
      Item: {
        pk: input.Key.pk,
        status: 'COMPLETED',
        owner: 'another-invocation',
        leaseExpiresAt: 0,
        expiresAt: Math.floor(Date.now() / 1000) + 3600,
        fingerprint: 'fingerprint-of-amount-1',
      },
    }));
    const handler = sqsBatch<Body>(async () => {}, {
      ...quiet(),
      groupCommit: true,
      fence: false,
      deadLetterQueueUrl: DLQ,
      sqsClient: new SQSClient({}),
      idempotency: { store: store(), key: (m) => m.body.id, fingerprint: (m) => m.body },
    });
    const response = await handler(
      sqsEvent(sqsRecord('m1', { id: 'order-1', amount: 2 }, { group: 'g' })),
      lambdaContext(),
    );
    const handled = failedIds(response).length > 0 || dlqErrorNames().length > 0;
    // Observed: landed() returns 'other' without the fingerprint check → { kind: 'duplicate' } →
    // acknowledged, no DLQ send: the changed payload is lost. Without groupCommit the same fault
    // is retried and the next delivery is dead-lettered as a mismatch.
    expect(handled).toBe(true);
  });
});

describe('attack: a transaction DynamoDB cancels with a ValidationError reason can never pass', () => {
  // "An item size becomes too large (larger than 400 KB) … because of changes made by the
  // transaction", or "a user error, such as an invalid data format" (API reference,
  // TransactionCanceledException): reason code ValidationError, not a ValidationException.
  const bigUpdate = {
    TableName: 'accounts',
    Key: { pk: 'acct-1' },
    UpdateExpression: 'SET notes = list_append(notes, :n)',
    ExpressionAttributeValues: { ':n': ['x'] },
  };

  it.each([
    ['exactly-once lease', false, false],
    ['exactly-once optimistic', true, false],
    ['exactly-once + groupCommit', false, true],
  ])(
    '%s: dead-lettered as IdempotencyTransactionError, not retried until the redrive',
    async (_, optimistic, groupCommit) => {
      ddb.on(TransactWriteCommand).rejects(cancelled(['None', 'ValidationError']));
      const handler = sqsBatch<Body>(
        async (_m, { transaction }) => {
          transaction.update(bigUpdate);
        },
        {
          ...quiet(),
          groupCommit,
          fence: false,
          deadLetterQueueUrl: DLQ,
          sqsClient: new SQSClient({}),
          idempotency: { store: store(), key: (m) => m.body.id, optimistic },
        },
      );
      const response = await handler(sqsEvent(sqsRecord('m1', { id: 'a' }, { group: 'g' })), lambdaContext());
      expect(failedIds(response)).toEqual([]);
      expect(dlqErrorNames()).toEqual(['IdempotencyTransactionError']);
    },
  );

  it.each([false, true])(
    'effect-conditional (groupCommit %s): dead-lettered as IdempotencyTransactionError',
    async (groupCommit) => {
      ddb.on(TransactWriteCommand).rejects(cancelled(['None', 'ValidationError']));
      const handler = sqsBatch<Body>(
        async (m, { transaction }) => {
          transaction.update(
            updateOncePerKey({
              TableName: 'orders',
              Key: { pk: m.body.id },
              UpdateExpression: 'SET paid = :t',
              ExpressionAttributeValues: { ':t': true },
            }),
          );
          transaction.update(bigUpdate);
        },
        {
          ...quiet(),
          groupCommit,
          fence: false,
          deadLetterQueueUrl: DLQ,
          sqsClient: new SQSClient({}),
          idempotency: { mode: 'effect-conditional', client, key: (m) => m.body.id },
        },
      );
      const response = await handler(sqsEvent(sqsRecord('m1', { id: 'a' }, { group: 'g' })), lambdaContext());
      expect(failedIds(response)).toEqual([]);
      expect(dlqErrorNames()).toEqual(['IdempotencyTransactionError']);
    },
  );
});

describe('attack: limit-400kb for updates', () => {
  it('an update whose value alone is over 400 KB is refused at registration (IdempotencyTransactionError)', () => {
    const transaction = createTransactionCollector();
    expect(() =>
      transaction.update({
        TableName: 'docs',
        Key: { pk: 'd1' },
        UpdateExpression: 'SET body = :b',
        ExpressionAttributeValues: { ':b': 'x'.repeat(500 * 1024) },
      }),
    ).toThrow(IdempotencyTransactionError);
  });
});

describe('attack: BigInt in a fingerprint', () => {
  it('a fingerprint over a value holding a BigInt is not retried until the redrive [exactly-once, memoryStore]', async () => {
    const handler = sqsBatch<Body>(async () => {}, {
      ...quiet(),
      idempotency: {
        store: memoryStore(),
        key: (m) => m.body.id,
        // Money as BigInt (a parse schema that coerces, or the user's own fingerprint).
        fingerprint: (m) => ({ id: m.body.id, amount: BigInt(m.body.amount ?? 0) }),
      },
    });
    const response = await handler(sqsEvent(sqsRecord('m1', { id: 'a', amount: 5 })), lambdaContext());
    // Observed: fingerprintOf → JSON.stringify throws TypeError (retryable) on every delivery.
    expect(failedIds(response)).toEqual([]);
  });
});

describe('attack: a fingerprint over a Set or a Map', () => {
  it('another payload under the same key is dead-lettered (IdempotencyPayloadMismatchError), not a duplicate [exactly-once, memoryStore]', async () => {
    const store = memoryStore();
    const handler = sqsBatch<{ id: string; tags: string[] }>(async () => {}, {
      ...quiet(),
      deadLetterQueueUrl: DLQ,
      sqsClient: new SQSClient({}),
      idempotency: {
        store,
        key: (m) => m.body.id,
        // What a parse schema with z.set() hands the fingerprint.
        fingerprint: (m) => ({
          id: m.body.id,
          tags: new Set(m.body.tags),
          byTag: new Map(m.body.tags.map((t) => [t, 1])),
        }),
      },
    });
    await handler(sqsEvent(sqsRecord('m1', { id: 'a', tags: ['gift'] })), lambdaContext());
    const response = await handler(sqsEvent(sqsRecord('m2', { id: 'a', tags: ['refund'] })), lambdaContext());
    expect(failedIds(response)).toEqual([]);
    // Observed: canonical() turns every Set and Map into {}: both fingerprints are equal and the
    // changed payload is acknowledged as a duplicate, no DLQ send.
    expect(dlqErrorNames()).toEqual(['IdempotencyPayloadMismatchError']);
  });
});
