import { describe, expect, it } from 'vitest';
import { itemSize, modelUnits } from '../../../bench/capacity.ts';

describe('modelUnits', () => {
  it('counts one write unit per single-item write, a failed condition included', () => {
    for (const operation of ['PutItem', 'UpdateItem', 'DeleteItem'])
      for (const outcome of ['ok', 'condition-failed'] as const)
        expect(modelUnits(operation, {}, outcome)).toEqual({ write: 1, read: 0 });
  });

  it('counts two write units per item of a transaction, committed or cancelled', () => {
    const input = { TransactItems: [{ Put: {} }, { Update: {} }, { ConditionCheck: {} }] };
    expect(modelUnits('TransactWriteItems', input, 'ok')).toEqual({ write: 6, read: 0 });
    expect(modelUnits('TransactWriteItems', input, 'cancelled')).toEqual({ write: 6, read: 0 });
  });

  it('counts reads by consistency: 1 strong, 0.5 eventual, 2 per transactional item', () => {
    expect(modelUnits('GetItem', { ConsistentRead: true }, 'ok')).toEqual({ write: 0, read: 1 });
    expect(modelUnits('GetItem', {}, 'ok')).toEqual({ write: 0, read: 0.5 });
    expect(modelUnits('TransactGetItems', { TransactItems: [{}, {}] }, 'ok')).toEqual({ write: 0, read: 4 });
  });

  it('counts nothing for a throttled or rejected request, and leaves Query and Scan out', () => {
    expect(modelUnits('PutItem', {}, 'rejected')).toEqual({ write: 0, read: 0 });
    expect(modelUnits('Query', {}, 'ok')).toBeUndefined();
  });
});

it('sizes an item from its attribute names and values', () => {
  expect(itemSize({ pk: { S: 'abc' } })).toBe(5);
  expect(itemSize({ l: { L: [{ S: 'ab' }, { BOOL: true }] } })).toBe(1 + 3 + (1 + 2) + (1 + 1));
});
