import { describe, expect, it } from 'vitest';
import { MessageRejectedError } from '../../../lib/producer/errors.ts';
import { outbox } from '../../../lib/producer/index.ts';

const box = outbox({ tableName: 'outbox' });
const rejection = (write: () => unknown) => {
  try {
    write();
  } catch (error) {
    return error;
  }
  return undefined;
};

describe('outbox.write refuses, at the business write, what the relay could never send', () => {
  it.each([
    ['no ordering key on a FIFO queue', { id: 'e1', body: 'x' }, /needs an `orderingKey`/],
    [
      'a delaySeconds on a FIFO queue',
      { id: 'e1', orderingKey: 'k', body: 'x', delaySeconds: 5 },
      /delaySeconds/,
    ],
    [
      'more than 10 attributes',
      {
        id: 'e1',
        orderingKey: 'k',
        body: 'x',
        attributes: Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`a${i}`, 'v'])),
      },
      /11 attributes/,
    ],
    ['an empty body', { id: 'e1', orderingKey: 'k', body: '' }, /empty body/],
    [
      'an item over DynamoDB’s 400 KB',
      { id: 'e1', orderingKey: 'k', body: 'x'.repeat(400 * 1024) },
      /400 KB/,
    ],
  ])('%s', (_case, message, reason) => {
    const error = rejection(() => box.write(message));
    expect(error).toBeInstanceOf(MessageRejectedError);
    expect((error as Error).message).toMatch(reason);
  });

  it('counts the 2 attributes a numbering relay adds, and takes a standard queue’s delay', () => {
    const nine = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`a${i}`, 'v']));
    expect(() => box.write({ id: 'e1', orderingKey: 'k', body: 'x', attributes: nine })).not.toThrow();
    expect(() =>
      outbox({ tableName: 'outbox', sequence: true }).write({
        id: 'e1',
        orderingKey: 'k',
        body: 'x',
        attributes: nine,
      }),
    ).toThrow(/11 attributes/);
    const standard = outbox({ tableName: 'outbox', fifo: false });
    expect(standard.write({ id: 'e1', body: 'x', delaySeconds: 5 }).Put.Item.delaySeconds).toBe(5);
  });
});
