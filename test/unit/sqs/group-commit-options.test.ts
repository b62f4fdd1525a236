import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../lib/errors.ts';
import { dynamoDBStore, memoryStore } from '../../../lib/idempotency/index.ts';
import { memorySequenceStore, sqsBatch } from '../../../lib/sqs/index.ts';

const key = (m: { messageId: string }) => m.messageId;
const store = dynamoDBStore({ tableName: 'idempotency' });

describe('sqsBatch groupCommit refuses what it cannot commit safely, at construction', () => {
  it.each([
    ['without idempotency', {}, /idempotency with mode 'exactly-once' or 'effect-conditional'/],
    ['at-most-once', { idempotency: { store, key, mode: 'at-most-once' } }, /received "at-most-once"/],
    ['at-least-once', { idempotency: { store, key, mode: 'at-least-once' } }, /received "at-least-once"/],
    ['on a store without transactions', { idempotency: { store: memoryStore(), key } }, /dynamoDBStore/],
    [
      'beside the sequence guard',
      {
        idempotency: { store, key },
        sequence: { key: () => 'k', seq: () => 1, store: memorySequenceStore() },
      },
      /no `sequence` option/,
    ],
    [
      'not a boolean',
      { idempotency: { store, key }, groupCommit: 'yes' },
      /groupCommit` must be true or false/,
    ],
  ])('%s', (_, options, message) => {
    const build = () => sqsBatch(async () => {}, { groupCommit: true, ...options } as never);
    expect(build).toThrow(ConfigurationError);
    expect(build).toThrow(message);
  });

  it('accepts exactly-once on dynamoDBStore and effect-conditional', () => {
    expect(() => sqsBatch(async () => {}, { groupCommit: true, idempotency: { store, key } })).not.toThrow();
    expect(() =>
      sqsBatch(async () => {}, { groupCommit: true, idempotency: { mode: 'effect-conditional', key } }),
    ).not.toThrow();
  });
});
