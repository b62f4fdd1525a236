// Adversarial review of issue 22 item 5, the group window, with a mocked document client: what
// an attacker (or bad luck) can do to the one item that decides every key of a group.
import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { sizeOf } from '../../../lib/idempotency/item-size.ts';
import { sqsBatch } from '../../../lib/sqs/index.ts';
import { decodeWindow, digestOf, encodeWindow, type Segment } from '../../../lib/sqs/window-item.ts';
import { captureLogger, failedIds, lambdaContext, sqsEvent, sqsRecord } from '../../support/sqs-events.ts';

const DLQ = 'https://sqs.us-east-1.amazonaws.com/123456789012/orders-dlq.fifo';
const ddb = mockClient(DynamoDBDocumentClient);
const sqs = mockClient(SQSClient);
const client = DynamoDBDocumentClient.from(
  new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } }),
);
const FENCE = 'fence#orders.fifo#g';
const NOW = 1_800_000_000_000;
const seqOf = (record: { attributes: { SequenceNumber?: string } }, plus = 0n) =>
  (BigInt(String(record.attributes.SequenceNumber)) + plus).toString().padStart(40, '0');
const item = (segments: Segment[], fenceSequence: string, extra: Record<string, unknown> = {}) => ({
  pk: FENCE,
  fenceSequence,
  expiresAt: NOW / 1000 + 100,
  window: encodeWindow(segments),
  ...extra,
});
const cancelled = (actions: number, old: Record<string, unknown>) =>
  new TransactionCanceledException({
    message: 'cancelled',
    $metadata: {},
    CancellationReasons: [
      ...Array.from({ length: actions }, () => ({ Code: 'None' })),
      { Code: 'ConditionalCheckFailed', Item: marshall(old) },
    ],
  });

const consumer = (
  options: { park?: boolean; dlq?: boolean; now?: number; logs?: ReturnType<typeof captureLogger> } = {},
) =>
  sqsBatch<{ id: string }>(
    async ({ body }, { transaction }) => {
      transaction.update({
        TableName: 'payments',
        Key: { pk: body.id },
        UpdateExpression: 'ADD captures :one',
        ExpressionAttributeValues: { ':one': 1 },
      });
    },
    {
      metrics: false,
      logger: (options.logs ?? captureLogger()).logger,
      fence: { tableName: 'idem' },
      ...(options.park && { onDeadLetter: 'park-group' as const }),
      ...((options.park || options.dlq) && { deadLetterQueueUrl: DLQ, sqsClient: new SQSClient({}) }),
      idempotency: {
        client,
        key: (m) => m.body.id,
        record: 'group-window',
        scope: '',
        now: () => options.now ?? NOW,
      },
    },
  );
const windows = () =>
  ddb
    .commandCalls(TransactWriteCommand)
    .map((c) => c.args[0].input.TransactItems?.at(-1)?.Update?.ExpressionAttributeValues?.[':window']);

beforeEach(() => {
  ddb.reset();
  sqs.reset();
  ddb.on(GetCommand).resolves({});
  ddb.on(TransactWriteCommand).resolves({});
  ddb.on(UpdateCommand).resolves({});
  sqs.on(SendMessageCommand).resolves({ MessageId: 'dlq-1' });
});

describe('attack: the group window', () => {
  it('the window moved on: the first record is now held (a duplicate), the second the fence passed (late): fenced, nothing committed', async () => {
    const x = sqsRecord('m-x', { id: 'x' }, { group: 'g' });
    const y = sqsRecord('m-y', { id: 'y' }, { group: 'g' });
    ddb
      .on(TransactWriteCommand)
      .rejectsOnce(cancelled(2, item([{ at: NOW / 1000, digests: [digestOf('x')] }], seqOf(y, 1n))));
    const logs = captureLogger();
    expect(failedIds(await consumer({ logs })(sqsEvent(x, y), lambdaContext()))).toEqual(['m-y']);
    expect(ddb.commandCalls(TransactWriteCommand).length).toBe(1);
    expect(JSON.stringify(logs.lines)).toContain('LateCommitFencedError');
  });

  it('the window read fails (throttled): the record goes back to the queue with its group; nothing is committed', async () => {
    ddb
      .on(GetCommand)
      .rejects(Object.assign(new Error('throttled'), { name: 'ThrottlingException', $metadata: {} }));
    const records = ['a', 'b'].map((id) => sqsRecord(`m-${id}`, { id }, { group: 'g' }));
    expect(failedIds(await consumer()(sqsEvent(...records), lambdaContext()))).toEqual(['m-a', 'm-b']);
    expect(ddb.commandCalls(TransactWriteCommand).length).toBe(0);
  });

  it('an ambiguous commit whose read-back also fails: the group goes back, never acknowledged on a guess', async () => {
    ddb
      .on(GetCommand)
      .resolvesOnce({})
      .rejects(Object.assign(new Error('socket hang up'), { $metadata: {} }));
    ddb.on(TransactWriteCommand).rejects(Object.assign(new Error('socket hang up'), { $metadata: {} }));
    const records = ['a', 'b'].map((id) => sqsRecord(`m-${id}`, { id }, { group: 'g' }));
    expect(failedIds(await consumer()(sqsEvent(...records), lambdaContext()))).toEqual(['m-a', 'm-b']);
  });

  it('a window written by a consumer with a larger windowKeys (2 KB) is cut back to 1 KB by the next default commit, latest keys kept', async () => {
    const old = Array.from({ length: 200 }, (_, i) => digestOf(`old${i}`));
    const a = sqsRecord('m-a', { id: 'a' }, { group: 'g' });
    ddb.on(GetCommand).resolves({ Item: item([{ at: NOW / 1000 - 60, digests: old }], '0') });
    expect(failedIds(await consumer()(sqsEvent(a), lambdaContext()))).toEqual([]);
    const window = windows()[0] as Uint8Array;
    const digests = decodeWindow(window).flatMap((s) => s.digests.map((d) => d.toString('hex')));
    expect(digests.at(-1)).toBe(digestOf('a').toString('hex'));
    expect(digests.at(-2)).toBe(digestOf('old199').toString('hex'));
    expect(sizeOf(item([], seqOf(a), { window }))).toBeLessThanOrEqual(1024);
  });

  it('clock skew: a window item from a clock 10 minutes ahead still holds its keys for a clock behind; the commit adds to its bucket', async () => {
    const ahead = NOW / 1000 + 600;
    const a = sqsRecord('m-a', { id: 'a' }, { group: 'g' });
    ddb.on(GetCommand).resolves({ Item: item([{ at: ahead, digests: [digestOf('held')] }], '0') });
    const resend = sqsRecord('m-held', { id: 'held' }, { group: 'g' });
    expect(failedIds(await consumer()(sqsEvent(resend, a), lambdaContext()))).toEqual([]);
    const segments = decodeWindow(windows()[0]);
    expect(segments.map((s) => [s.at, s.digests.length])).toEqual([[ahead, 2]]);
  });

  it('clock skew: a window item from a clock an age behind is pruned by a commit on a clock past it (the edge moves by the skew)', async () => {
    const a = sqsRecord('m-a', { id: 'a' }, { group: 'g' });
    const oldBucket = NOW / 1000 - 3600 - 120;
    ddb.on(GetCommand).resolves({ Item: item([{ at: oldBucket, digests: [digestOf('gone')] }], '0') });
    const resend = sqsRecord('m-gone', { id: 'gone' }, { group: 'g' });
    expect(failedIds(await consumer()(sqsEvent(resend, a), lambdaContext()))).toEqual([]);
    const digests = decodeWindow(windows()[0]).flatMap((s) => s.digests.map((d) => d.toString('hex')));
    expect(digests).toEqual(['gone', 'a'].map((k) => digestOf(k).toString('hex')));
  });

  it('a parked group (the window moved to a park): the record follows the parked one to the DLQ as GroupParkedError', async () => {
    const a = sqsRecord('m-a', { id: 'a' }, { group: 'g' });
    ddb
      .on(TransactWriteCommand)
      .rejectsOnce(cancelled(1, item([], '0', { parkedAt: '1', parkedMessageId: 'm-poison' })));
    const logs = captureLogger();
    expect(failedIds(await consumer({ park: true, logs })(sqsEvent(a), lambdaContext()))).toEqual([]);
    const condition = ddb.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems?.at(-1)
      ?.Update?.ConditionExpression;
    expect(condition).toBe('(attribute_not_exists(#seq)) AND (attribute_not_exists(#parked))');
    expect(
      sqs.commandCalls(SendMessageCommand)[0]?.args[0].input.MessageAttributes?.['reliable-events.error-name']
        ?.StringValue,
    ).toBe('GroupParkedError');
  });

  it("a replayed head lifts the park in the window's own update; the followers commit with it", async () => {
    ddb.on(GetCommand).resolves({ Item: item([], '0', { parkedAt: '1', parkedMessageId: 'm-poison' }) });
    const head = sqsRecord(
      'm-head',
      { id: 'p' },
      {
        group: 'g',
        attributes: {
          'reliable-events.replay-of': {
            dataType: 'String',
            stringValue: 'm-poison',
            stringListValues: [],
            binaryListValues: [],
          },
        },
      },
    );
    const next = sqsRecord('m-next', { id: 'n' }, { group: 'g' });
    expect(failedIds(await consumer({ park: true })(sqsEvent(head, next), lambdaContext()))).toEqual([]);
    const update = ddb.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems?.at(-1)?.Update;
    expect(update?.UpdateExpression).toContain('REMOVE #parked, #parkedId');
    expect(update?.ConditionExpression).toBe(
      '(#seq = :seen) AND (attribute_not_exists(#parked) OR #parkedId = :release)',
    );
    expect(update?.ExpressionAttributeValues?.[':release']).toBe('m-poison');
  });

  it('a resend right behind its original in one chunk does not split the chunk: one transaction, the resend a duplicate', async () => {
    const records = [
      sqsRecord('m-a', { id: 'a' }, { group: 'g' }),
      sqsRecord('m-a2', { id: 'a' }, { group: 'g' }),
      sqsRecord('m-b', { id: 'b' }, { group: 'g' }),
    ];
    expect(failedIds(await consumer()(sqsEvent(...records), lambdaContext()))).toEqual([]);
    const calls = ddb.commandCalls(TransactWriteCommand);
    expect(calls.length).toBe(1);
    expect(calls[0]?.args[0].input.TransactItems?.map((i) => i.Update?.Key?.pk)).toEqual(['a', 'b', FENCE]);
  });

  it('a resend whose original is dead-lettered at commit goes back to the queue, and so does everything after it, in order', async () => {
    const records = [
      sqsRecord('m-a', { id: 'a' }, { group: 'g' }),
      sqsRecord('m-a2', { id: 'a' }, { group: 'g' }),
      sqsRecord('m-b', { id: 'b' }, { group: 'g' }),
    ];
    // DynamoDB refuses a's write inside the transaction (a ValidationError reason): a can never pass.
    ddb.on(TransactWriteCommand).rejectsOnce(
      new TransactionCanceledException({
        message: 'cancelled',
        $metadata: {},
        CancellationReasons: [
          { Code: 'ValidationError', Message: 'wrong operand type' },
          { Code: 'None' },
          { Code: 'None' },
        ],
      }),
    );
    const logs = captureLogger();
    const response = await consumer({ dlq: true, logs })(sqsEvent(...records), lambdaContext());
    expect(failedIds(response)).toEqual(['m-a2', 'm-b']);
    expect(
      sqs
        .commandCalls(SendMessageCommand)
        .map((c) => c.args[0].input.MessageAttributes?.['reliable-events.error-name']?.StringValue),
    ).toEqual(['IdempotencyTransactionError']);
    expect(ddb.commandCalls(TransactWriteCommand).length).toBe(1);
  });

  it('keys: a BigInt or binary key is refused (IdempotencyKeyError, never stringified alike); a 2 KB key takes 10 bytes of the window', async () => {
    for (const bad of [10n, new Uint8Array([1, 2])]) {
      ddb.reset();
      ddb.on(GetCommand).resolves({});
      const logs = captureLogger();
      const handler = sqsBatch(async () => {}, {
        metrics: false,
        logger: logs.logger,
        fence: { tableName: 'idem' },
        idempotency: { client, key: () => bad as never, record: 'group-window' },
      });
      expect(
        failedIds(await handler(sqsEvent(sqsRecord('m', { id: 'x' }, { group: 'g' })), lambdaContext())),
      ).toEqual(['m']);
      expect(JSON.stringify(logs.lines)).toContain('IdempotencyKeyError');
      expect(ddb.commandCalls(TransactWriteCommand).length).toBe(0);
    }
    ddb.reset();
    ddb.on(GetCommand).resolves({});
    ddb.on(TransactWriteCommand).resolves({});
    const long = 'k'.repeat(2048);
    expect(
      failedIds(
        await consumer()(sqsEvent(sqsRecord('m-long', { id: long }, { group: 'g' })), lambdaContext()),
      ),
    ).toEqual([]);
    expect(decodeWindow(windows()[0]).flatMap((s) => s.digests)).toEqual([digestOf(long)]);
  });
});
