// record: 'group-window': the window item's bounds (size, age, buckets, clock skew) and the refused configurations.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../lib/errors.ts';
import { dynamoDBStore, makeIdempotent } from '../../../lib/idempotency/index.ts';
import { sizeOf } from '../../../lib/idempotency/item-size.ts';
import { sqsBatch } from '../../../lib/sqs/index.ts';
import {
  bucketSeconds,
  decodeWindow,
  digestOf,
  digestsOf,
  encodeWindow,
  extendWindow,
  ITEM_BUDGET,
  type Segment,
  windowBudget,
} from '../../../lib/sqs/window-item.ts';

const HOUR = 3_600_000;
const T = 1_800_000_000_000;
const keys = (n: number, prefix = 'k') => Array.from({ length: n }, (_, i) => digestOf(`${prefix}${i}`));
const held = (segments: Segment[], key: string, nowMs: number, maxAgeMs = HOUR) =>
  digestsOf(segments, nowMs, maxAgeMs).has(digestOf(key).toString('hex'));

describe('the window item', () => {
  it('stays within 1 KB (one write unit) however many keys pass, for the longest queue and group names, parking included', () => {
    const pk = `fence#${'q'.repeat(80)}#${'g'.repeat(128)}`;
    const rest = { pk, fenceSequence: '9'.repeat(40), expiresAt: 2_000_000_000 };
    const budget = windowBudget(rest, true, { maxAgeMs: HOUR });
    let segments: Segment[] = [];
    for (let commit = 0; commit < 50; commit++)
      segments = extendWindow(
        segments,
        keys(10, `c${commit}-`),
        T + commit * 1000,
        { maxAgeMs: HOUR },
        budget,
      );
    const window = encodeWindow(segments);
    const parked = { parkedAt: '9'.repeat(40), parkedMessageId: 'x'.repeat(36) };
    expect(sizeOf({ ...rest, ...parked, window })).toBeLessThanOrEqual(ITEM_BUDGET);
    const count = segments.reduce((sum, s) => sum + s.digests.length, 0);
    expect(count).toBeGreaterThanOrEqual(50);
    // The latest keys are the ones kept.
    expect(held(segments, 'c49-9', T + 49_000)).toBe(true);
    expect(held(segments, 'c0-0', T + 49_000)).toBe(false);
  });

  it('holds about 80 keys for a typical queue and group name', () => {
    const rest = {
      pk: 'fence#orders.fifo#customer-42',
      fenceSequence: '9'.repeat(40),
      expiresAt: 2_000_000_000,
    };
    const segments = extendWindow(
      [],
      keys(200),
      T,
      { maxAgeMs: HOUR },
      windowBudget(rest, false, { maxAgeMs: HOUR }),
    );
    const count = segments.reduce((sum, s) => sum + s.digests.length, 0);
    expect(count).toBeGreaterThanOrEqual(80);
    expect(sizeOf({ ...rest, window: encodeWindow(segments) })).toBeLessThanOrEqual(ITEM_BUDGET);
  });

  it('encodes and decodes segments exactly; garbage decodes to what can be read, never throws', () => {
    const segments = [
      { at: 100, digests: keys(3) },
      { at: 160, digests: keys(2, 'x') },
    ];
    expect(decodeWindow(encodeWindow(segments))).toEqual(segments);
    expect(decodeWindow(new Uint8Array([1, 2, 3]))).toEqual([]);
    expect(decodeWindow(encodeWindow(segments).subarray(0, 20))).toEqual([{ at: 100, digests: keys(1) }]);
    expect(decodeWindow('not binary')).toEqual([]);
  });

  it('bucket rollover: a key is held at least the window age and less than the age plus one bucket', () => {
    const width = bucketSeconds(HOUR);
    expect(width).toBe(60);
    // Committed in the last millisecond of a bucket, and in the first of the next.
    const bucket = Math.floor(T / 60_000) * 60_000;
    const end = bucket + 59_999;
    let segments = extendWindow([], [digestOf('end')], end, { maxAgeMs: HOUR }, 10_000);
    segments = extendWindow(segments, [digestOf('next')], end + 1, { maxAgeMs: HOUR }, 10_000);
    expect(segments.map((s) => s.digests.length)).toEqual([1, 1]);
    expect(held(segments, 'end', end + HOUR)).toBe(true);
    // The whole bucket of `end` is older than an hour: gone; `next` is held one bucket longer.
    expect(held(segments, 'end', bucket + 60_000 + HOUR)).toBe(false);
    expect(held(segments, 'next', bucket + 60_000 + HOUR)).toBe(true);
    expect(held(segments, 'next', bucket + 120_000 + HOUR)).toBe(false);
    // A commit after the age prunes the old bucket from the item itself.
    const later = extendWindow(
      segments,
      [digestOf('late')],
      bucket + 60_000 + HOUR,
      { maxAgeMs: HOUR },
      10_000,
    );
    expect(later.map((s) => s.digests.length)).toEqual([1, 1]);
  });

  it('clock skew: a commit whose clock is behind the last adds to the latest bucket, never one before it', () => {
    const ahead = extendWindow([], [digestOf('a')], T + 5 * 60_000, { maxAgeMs: HOUR }, 10_000);
    const behind = extendWindow(ahead, [digestOf('b')], T, { maxAgeMs: HOUR }, 10_000);
    expect(behind.length).toBe(1);
    expect(behind[0]?.at).toBe(ahead[0]?.at);
    expect(held(behind, 'a', T) && held(behind, 'b', T)).toBe(true);
  });

  it('a key of 2 KB and a number key take one 10-byte digest like any other', () => {
    expect(digestOf('k'.repeat(2048)).length).toBe(10);
    expect(digestOf('42')).toEqual(digestOf(String(42)));
  });
});

const client = DynamoDBDocumentClient.from(
  new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } }),
);
const store = dynamoDBStore({ tableName: 'idem', client });
const handler = async () => {};
const build =
  (options: Record<string, unknown>, idempotency: Record<string, unknown> = {}) =>
  () =>
    sqsBatch(handler, {
      ...options,
      idempotency: {
        store,
        key: (m: { messageId: string }) => m.messageId,
        record: 'group-window',
        ...idempotency,
      },
    } as never);

describe("record 'group-window' refuses what it cannot keep, at construction", () => {
  it.each([
    ['groupCommit: false', build({ groupCommit: false }), /groupCommit/],
    ["ordering: 'none'", build({ ordering: 'none' }), /ordering/],
    ['fence: false', build({ fence: false }), /fence/],
    ['no fence table', build({}, { store: undefined }), /fence/],
    [
      'a sequence guard',
      build({ sequence: { key: () => 'k', seq: () => 1, store: { last: () => 0 } } }),
      /sequence/,
    ],
    ['a fingerprint', build({}, { fingerprint: (m: unknown) => m }), /fingerprint/],
    ["mode 'effect-conditional'", build({}, { mode: 'effect-conditional' }), /record/],
    ["mode 'at-most-once'", build({}, { mode: 'at-most-once' }), /record/],
    ['windowKeys 0', build({}, { windowKeys: 0 }), /windowKeys/],
    ['windowKeys 1.5', build({}, { windowKeys: 1.5 }), /windowKeys/],
    ['windowKeys 30001', build({}, { windowKeys: 30_001 }), /windowKeys/],
    ["record 'per-record'", build({}, { record: 'per-record' }), /record/],
  ])('%s', (_, make, message) => {
    expect(make).toThrow(ConfigurationError);
    expect(make).toThrow(message);
  });

  it('windowKeys without the group window', () => {
    expect(build({}, { record: undefined, windowKeys: 10 })).toThrow(/windowKeys/);
  });

  it('makeIdempotent: there is no message group', () => {
    expect(() => makeIdempotent(handler, { store, key: () => 'k', record: 'group-window' })).toThrow(
      /only in sqsBatch/,
    );
  });

  it('accepts the plain form: no store beside a fence table, groupCommit implied', () => {
    expect(() =>
      sqsBatch(handler, {
        fence: { tableName: 'idem' },
        idempotency: { client, key: (m) => m.messageId, record: 'group-window', windowKeys: 500 },
      }),
    ).not.toThrow();
  });
});
