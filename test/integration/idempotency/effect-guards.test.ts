import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../lib/errors.ts';
import { IdempotencyTransactionError } from '../../../lib/idempotency/errors.ts';
import {
  dynamoDBStore,
  makeIdempotent,
  putIfAbsent,
  updateOncePerKey,
} from '../../../lib/idempotency/index.ts';
import { localClientConfig } from '../../../lib/local/index.ts';
import { createTable, localClients } from '../../support/local.ts';

const { stack, dynamodb, documents } = localClients();
const client = new DynamoDBClient(localClientConfig(stack, stack.dynamodb.endpoint));

/** A single-table design: partition key `PK`, sort key `SK`. */
const singleTable = () =>
  createTable(dynamodb, 'single', {
    schema: [
      { AttributeName: 'PK', KeyType: 'HASH' },
      { AttributeName: 'SK', KeyType: 'RANGE' },
    ],
    attributes: [
      { AttributeName: 'PK', AttributeType: 'S' },
      { AttributeName: 'SK', AttributeType: 'S' },
    ],
  });

const effectConditional = {
  mode: 'effect-conditional' as const,
  client,
  scope: 'pay',
  metrics: false as const,
};

describe('effect guards on tables not keyed by pk', () => {
  it('putIfAbsent with keyAttributes [PK, SK]: a redelivery is a duplicate, the effect lands once', async () => {
    // Without keyAttributes the condition used to be attribute_not_exists(pk), always true on this
    // table: every redelivery put the item again (a second payment). That call is refused now (below).
    const table = await singleTable();
    let applied = 0;
    const pay = makeIdempotent(
      async (order: { id: string }, { transaction }) => {
        applied++;
        transaction.put(
          putIfAbsent(
            { TableName: table, Item: { PK: `ORDER#${order.id}`, SK: 'PAYMENT', amount: 5 } },
            { keyAttributes: ['PK', 'SK'] },
          ),
        );
        return 'paid';
      },
      { ...effectConditional, key: (order) => order.id },
    );
    expect(await pay({ id: 'o1' })).toBe('paid');
    expect(await pay({ id: 'o1' })).toBeUndefined();
    expect(applied).toBe(2);
    const { Item } = await documents.send(
      new GetCommand({ TableName: table, Key: { PK: 'ORDER#o1', SK: 'PAYMENT' }, ConsistentRead: true }),
    );
    expect(Item).toMatchObject({ amount: 5, idempotencyKey: 'pay#o1' });
  });

  it('putIfAbsent without the declared key attributes is refused with a ConfigurationError that names keyAttributes', () => {
    expect(() => putIfAbsent({ TableName: 't', Item: { PK: 'ORDER#1', SK: 'PAYMENT' } })).toThrow(
      ConfigurationError,
    );
    expect(() => putIfAbsent({ TableName: 't', Item: { PK: 'ORDER#1', SK: 'PAYMENT' } })).toThrow(
      /keyAttributes: \['PK', 'SK'\]/,
    );
    expect(() =>
      putIfAbsent({ TableName: 't', Item: { PK: 'ORDER#1' } }, { keyAttributes: ['PK', 'SK'] }),
    ).toThrow(/no "SK"/);
  });

  it('updateOncePerKey without a Key is refused', () => {
    expect(() => updateOncePerKey({ TableName: 't', UpdateExpression: 'SET a = :a' } as never)).toThrow(
      ConfigurationError,
    );
  });
});

describe('updateOncePerKey positions as 128-bit SQS sequence numbers', () => {
  // Two SequenceNumbers of one group that a JavaScript number cannot tell apart.
  const lower = '18849496460467696128';
  const higher = '18849496460467696129';

  it('compares decimal strings exactly: the higher lands after the lower, the lower after the higher is a duplicate', async () => {
    expect(Number(lower)).toBe(Number(higher));
    const table = await createTable(dynamodb, 'positions');
    const apply = makeIdempotent(
      async (message: { id: string; position: string }, { transaction }) => {
        transaction.update(
          updateOncePerKey(
            {
              TableName: table,
              Key: { pk: 'account-1' },
              UpdateExpression: 'ADD balance :one',
              ExpressionAttributeValues: { ':one': 1 },
            },
            { position: message.position },
          ),
        );
        return 'applied';
      },
      { ...effectConditional, key: (message) => message.id },
    );
    expect(await apply({ id: 'm1', position: lower })).toBe('applied');
    expect(await apply({ id: 'm2', position: higher })).toBe('applied');
    expect(await apply({ id: 'm1', position: lower })).toBeUndefined();
    const { Item } = await documents.send(
      new GetCommand({ TableName: table, Key: { pk: 'account-1' }, ConsistentRead: true }),
    );
    expect(Item?.balance).toBe(2);
    expect(String(Item?.idempotencyPosition)).toBe(higher);
  });

  it('refuses a position a JavaScript number already rounded', () => {
    const update = { TableName: 't', Key: { pk: 'a' }, UpdateExpression: 'ADD n :one' };
    expect(() => updateOncePerKey(update, { position: Number(lower) })).toThrow(/safe integer/);
    expect(() => updateOncePerKey(update, { position: '12.5' })).toThrow(ConfigurationError);
    expect(() => updateOncePerKey(update, { position: 2n ** 64n })).not.toThrow();
  });
});

describe('makeIdempotent refuses writes DynamoDB could never commit, before sending them', () => {
  it('writes over 4 MB, an item over 400 KB: IdempotencyTransactionError, nothing written, the key free again', async () => {
    const store = dynamoDBStore({ tableName: await createTable(dynamodb, 'idem'), client });
    const ledger = await createTable(dynamodb, 'ledger');
    const write = makeIdempotent(
      async (input: { id: string; items: number; bytes: number }, { transaction }) => {
        for (let i = 0; i < input.items; i++)
          transaction.put({
            TableName: ledger,
            Item: { pk: `${input.id}#${i}`, data: 'z'.repeat(input.bytes) },
          });
      },
      { store, key: (input) => input.id, metrics: false },
    );
    await expect(write({ id: 'big', items: 11, bytes: 390 * 1024 })).rejects.toThrow(
      IdempotencyTransactionError,
    );
    await expect(write({ id: 'huge', items: 1, bytes: 401 * 1024 })).rejects.toThrow(/400 KB/);
    const { Item } = await documents.send(new GetCommand({ TableName: ledger, Key: { pk: 'big#0' } }));
    expect(Item).toBeUndefined();
    await expect(write({ id: 'big', items: 1, bytes: 10 })).resolves.toBeUndefined();
  });
});
