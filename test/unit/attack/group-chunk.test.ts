// Adversarial review of issue 21: group commit's chunk settling, with a mocked document client.
import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { dynamoDBStore } from '../../../lib/idempotency/index.ts';
import { DeadLetterAttribute, sqsBatch } from '../../../lib/sqs/index.ts';
import { captureLogger, failedIds, lambdaContext, sqsEvent, sqsRecord } from '../../support/sqs-events.ts';

const DLQ = 'https://sqs.us-east-1.amazonaws.com/123456789012/orders-dlq';
const ddb = mockClient(DynamoDBDocumentClient);
const sqs = mockClient(SQSClient);
const client = DynamoDBDocumentClient.from(
  new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } }),
);
type Body = { id: string; amount: number };
const quiet = () => ({ metrics: false as const, logger: captureLogger().logger });
const transactKeys = () =>
  ddb.commandCalls(TransactWriteCommand).map((c) =>
    (c.args[0].input.TransactItems ?? [])
      .map((a) => (a.Update?.Key?.pk as string | undefined) ?? '')
      // Writes of the handlers only (not a FIFO fence the library may add).
      .filter((pk) => pk && !pk.startsWith('fence#')),
  );

beforeEach(() => {
  ddb.reset();
  sqs.reset();
  ddb.on(PutCommand).resolves({});
  ddb.on(GetCommand).resolves({});
});

const paying = (poisonId?: string) =>
  sqsBatch<Body>(
    async ({ body }, { transaction }) => {
      transaction.update(
        {
          TableName: 'payments',
          Key: { pk: body.id },
          UpdateExpression: 'ADD captures :one',
          ExpressionAttributeValues: { ':one': 1 },
          ...(body.id === poisonId && { ConditionExpression: 'attribute_exists(pk)' }),
        },
        { onConditionFailure: body.id === poisonId ? 'dead-letter' : 'retry' },
      );
    },
    {
      ...quiet(),
      groupCommit: true,
      fence: false,
      deadLetterQueueUrl: DLQ,
      sqsClient: new SQSClient({}),
      idempotency: {
        store: dynamoDBStore({ tableName: 'idem', client }),
        key: (m) => m.body.id,
        fingerprint: (m) => m.body,
      },
    },
  );

const chunkOf3 = () =>
  sqsEvent(
    sqsRecord('m1', { id: 'a', amount: 1 }, { group: 'g' }),
    sqsRecord('m2', { id: 'b', amount: 1 }, { group: 'g' }),
    sqsRecord('m3', { id: 'c', amount: 1 }, { group: 'g' }),
  );
const poisonedB = () =>
  new TransactionCanceledException({
    message: 'cancelled',
    $metadata: {},
    CancellationReasons: [
      { Code: 'None' },
      { Code: 'None' },
      { Code: 'None' },
      { Code: 'ConditionalCheckFailed' },
      { Code: 'None' },
      { Code: 'None' },
    ],
  });

describe('attack: a record dead-lettered in the middle of a chunk', () => {
  it('DLQ send fails: the record before it commits, the one after it never commits and goes back', async () => {
    sqs.on(SendMessageCommand).rejects(new Error('DLQ unreachable'));
    ddb.on(TransactWriteCommand).rejectsOnce(poisonedB()).resolves({});
    const response = await paying('b')(chunkOf3(), lambdaContext());
    expect(failedIds(response)).toEqual(['m2', 'm3']);
    expect(transactKeys()).toEqual([['a', 'b', 'c'], ['a']]);
  });

  it('DLQ send succeeds: a commits, b is dead-lettered, then c commits', async () => {
    sqs.on(SendMessageCommand).resolves({ MessageId: 'x' });
    ddb.on(TransactWriteCommand).rejectsOnce(poisonedB()).resolves({});
    const response = await paying('b')(chunkOf3(), lambdaContext());
    expect(failedIds(response)).toEqual([]);
    // c alone: one record put + one update → a transaction of its own.
    expect(transactKeys()).toEqual([['a', 'b', 'c'], ['a'], ['c']]);
    expect(
      sqs
        .commandCalls(SendMessageCommand)
        .map((c) => c.args[0].input.MessageAttributes?.[DeadLetterAttribute.ErrorName]?.StringValue),
    ).toEqual(['WriteConditionFailedError']);
  });
});

describe('attack: the same key three times in one group run, payloads 1, 2, 1', () => {
  it('first processed, second dead-lettered as a mismatch, third a duplicate', async () => {
    sqs.on(SendMessageCommand).resolves({ MessageId: 'x' });
    ddb.on(TransactWriteCommand).resolves({});
    const response = await paying()(
      sqsEvent(
        sqsRecord('m1', { id: 'k', amount: 1 }, { group: 'g' }),
        sqsRecord('m2', { id: 'k', amount: 2 }, { group: 'g' }),
        sqsRecord('m3', { id: 'k', amount: 1 }, { group: 'g' }),
      ),
      lambdaContext(),
    );
    expect(failedIds(response)).toEqual([]);
    expect(ddb.commandCalls(TransactWriteCommand).length).toBe(1);
    expect(
      sqs
        .commandCalls(SendMessageCommand)
        .map((c) => c.args[0].input.MessageAttributes?.[DeadLetterAttribute.SourceMessageId]?.StringValue),
    ).toEqual(['m2']);
  });
});

describe('attack: time guard trips with a chunk pending', () => {
  it('the staged record commits, the later ones are not started and go back', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    let remaining = 60_000;
    const handler = sqsBatch<Body>(
      async ({ body }, { transaction }) => {
        transaction.update({
          TableName: 'payments',
          Key: { pk: body.id },
          UpdateExpression: 'ADD captures :one',
          ExpressionAttributeValues: { ':one': 1 },
        });
        remaining = 100; // the clock runs out while this record runs
      },
      {
        ...quiet(),
        groupCommit: true,
        fence: false,
        idempotency: { store: dynamoDBStore({ tableName: 'idem', client }), key: (m) => m.body.id },
      },
    );
    const response = await handler(
      chunkOf3(),
      lambdaContext(() => remaining),
    );
    expect(failedIds(response)).toEqual(['m2', 'm3']);
    expect(transactKeys()).toEqual([['a']]);
  });
});

describe('attack: one item keyed by a number in one record and by a BigInt in the next', () => {
  it('is seen as one item: the later record runs again on the committed state, never in one transaction with it', async () => {
    const runs: string[] = [];
    ddb
      .on(TransactWriteCommand)
      .callsFake(
        (input: { TransactItems: { Put?: { TableName: string; Item: Record<string, unknown> } }[] }) => {
          const items = input.TransactItems.flatMap((a) =>
            a.Put && a.Put.TableName === 'accounts' ? [String(a.Put.Item.acct)] : [],
          );
          if (new Set(items).size !== items.length)
            throw Object.assign(
              new Error('Transaction request cannot include multiple operations on one item'),
              {
                name: 'ValidationException',
              },
            );
          return {};
        },
      );
    const handler = sqsBatch<Body>(
      async ({ body }, { transaction }) => {
        runs.push(body.id);
        // Read-modify-write of one account (the read is what the re-run makes current).
        transaction.put({
          TableName: 'accounts',
          Item: { acct: body.id === 'a' ? 7 : 7n, balance: body.amount },
        });
        transaction.update({
          TableName: 'accounts',
          Key: { acct: body.id === 'a' ? 8 : 8n },
          UpdateExpression: 'ADD touched :one',
          ExpressionAttributeValues: { ':one': 1 },
        });
      },
      {
        ...quiet(),
        groupCommit: true,
        fence: false,
        idempotency: { store: dynamoDBStore({ tableName: 'idem', client }), key: (m) => m.body.id },
      },
    );
    const response = await handler(
      sqsEvent(
        sqsRecord('m1', { id: 'a', amount: 110 }, { group: 'g' }),
        sqsRecord('m2', { id: 'b', amount: 120 }, { group: 'g' }),
      ),
      lambdaContext(),
    );
    expect(failedIds(response)).toEqual([]);
    // Documented (Group commit): "A record whose writes touch an item already pending commits what
    // is pending first, then its handler runs again". Observed: `stable` keys 8 as "8" and 8n as
    // "\"8n\"", no conflict is seen, both records share a transaction DynamoDB refuses, and the
    // fallback commits them one by one with b's handler never re-run (its read was stale).
    expect(runs).toEqual(['a', 'b', 'b']);
  });
});

describe("attack: onMissingKey: 'run' under group commit", () => {
  it.each([false, true])(
    'a message without a key runs at-least-once and is acknowledged, as without group commit (groupCommit %s)',
    async (groupCommit) => {
      sqs.on(SendMessageCommand).resolves({ MessageId: 'x' });
      ddb.on(TransactWriteCommand).resolves({});
      const runs: string[] = [];
      const handler = sqsBatch<{ id?: string; note: string }>(
        async ({ body }) => {
          runs.push(body.note); // an outside effect: it happens whatever the commit does
        },
        {
          ...quiet(),
          groupCommit,
          fence: false,
          deadLetterQueueUrl: DLQ,
          sqsClient: new SQSClient({}),
          idempotency: {
            store: dynamoDBStore({ tableName: 'idem', client }),
            key: (m) => m.body.id,
            onMissingKey: 'run',
          },
        },
      );
      const response = await handler(
        sqsEvent(
          sqsRecord('m1', { note: 'heartbeat' }, { group: 'g' }),
          sqsRecord('m2', { id: 'b', note: 'order' }, { group: 'g' }),
        ),
        lambdaContext(),
      );
      expect(runs).toEqual(['heartbeat', 'order']);
      expect(failedIds(response)).toEqual([]);
      // Observed with groupCommit: the keyless session has no stage(); commit() throws
      // IdempotencyTransactionError('This idempotency mode cannot stage writes.') → dead-lettered
      // after its handler ran.
      expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
    },
  );
});
