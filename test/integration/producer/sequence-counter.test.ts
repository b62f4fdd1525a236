import { describe, expect, it } from 'vitest';
import { dynamoDBSequenceCounter } from '../../../lib/producer/index.ts';
import { createTable, localClients } from '../../support/local.ts';

const { dynamodb } = localClients();
const ids = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

describe('dynamoDBSequenceCounter on DynamoDB Local', () => {
  it('numbers ids once, across transactions of 99, and gives a resent id its number again', async () => {
    const counter = dynamoDBSequenceCounter({
      tableName: await createTable(dynamodb, 'counters'),
      client: dynamodb,
    });
    expect(await counter.assign('k', ids('a', 110))).toEqual(range(1, 110));
    expect(await counter.assign('k', ['a-3', 'b-0', 'a-109'])).toEqual([4, 111, 110]);
    expect(await counter.assign('other', ids('a', 2))).toEqual([1, 2]);
  });

  it('two writers numbering one key at once get distinct numbers with no gap', async () => {
    const counter = dynamoDBSequenceCounter({
      tableName: await createTable(dynamodb, 'counters'),
      client: dynamodb,
    });
    const [left, right] = await Promise.all([
      counter.assign('k', ids('left', 20)),
      counter.assign('k', ids('right', 20)),
    ]);
    expect([...left, ...right].sort((a, b) => a - b)).toEqual(range(1, 40));
  });
});
