import { createHash } from 'node:crypto';
import { sizeOf } from '../idempotency/item-size.ts';

/**
 * The key window of a FIFO message group (`record: 'group-window'`), as it is stored in the
 * group's fence item: one binary attribute of segments, oldest first, each the keys committed in
 * one time bucket —
 *   [bucket start, epoch seconds: 4 bytes][count: 2 bytes][count × a 10-byte key digest]
 * A digest is the first 80 bits of the key's SHA-256: two different keys of one window are taken
 * for one with a probability of about (keys in the window) / 2^80 per message.
 */
export const DIGEST_BYTES = 10;
const HEAD_BYTES = 6;

export type Segment = { at: number; digests: Buffer[] };

export type WindowLimits = {
  /** How long a key is held at least (epoch ms of the commits that add and prune it). */
  maxAgeMs: number;
  /** How many of the group's latest keys are held at most; undefined: as many as keep the item within 1 KB. */
  maxKeys?: number;
};

/** The digest a key is held under. */
export const digestOf = (key: string): Buffer => createHash('sha256').update(key).digest().subarray(0, 10);

/** A bucket's width: a sixtieth of the window's age, between one second and one hour. */
export const bucketSeconds = (maxAgeMs: number): number =>
  Math.min(3600, Math.max(1, Math.ceil(maxAgeMs / 60_000)));

export const decodeWindow = (blob: unknown): Segment[] => {
  if (!(blob instanceof Uint8Array)) return [];
  const bytes = Buffer.from(blob);
  const segments: Segment[] = [];
  // Each segment takes at least its head: bounded by the blob's length.
  for (let at = 0; at + HEAD_BYTES <= bytes.length; ) {
    const start = bytes.readUInt32BE(at);
    const count = bytes.readUInt16BE(at + 4);
    at += HEAD_BYTES;
    const digests: Buffer[] = [];
    for (let n = 0; n < count && at + DIGEST_BYTES <= bytes.length; n++, at += DIGEST_BYTES)
      digests.push(bytes.subarray(at, at + DIGEST_BYTES));
    segments.push({ at: start, digests });
  }
  return segments;
};

export const encodeWindow = (segments: readonly Segment[]): Uint8Array => {
  const parts: Buffer[] = [];
  for (const { at, digests } of segments) {
    if (digests.length === 0) continue;
    const head = Buffer.alloc(HEAD_BYTES);
    head.writeUInt32BE(at >>> 0, 0);
    head.writeUInt16BE(digests.length, 4);
    parts.push(head, ...digests);
  }
  return new Uint8Array(Buffer.concat(parts));
};

export const windowBytes = (segments: readonly Segment[]): number =>
  segments.reduce(
    (sum, s) => sum + (s.digests.length > 0 ? HEAD_BYTES + DIGEST_BYTES * s.digests.length : 0),
    0,
  );

/** Whether a segment still holds its keys at `nowMs`: until its whole bucket is older than the window's age. */
export const live = (segment: Segment, nowMs: number, maxAgeMs: number): boolean =>
  (segment.at + bucketSeconds(maxAgeMs)) * 1000 > nowMs - maxAgeMs;

/** The live segments' digests, for lookups. */
export const digestsOf = (segments: readonly Segment[], nowMs: number, maxAgeMs: number): Set<string> => {
  const held = new Set<string>();
  for (const segment of segments)
    if (live(segment, nowMs, maxAgeMs)) for (const d of segment.digests) held.add(d.toString('hex'));
  return held;
};

// DynamoDB bills a write by the larger of the item before and after, 1 KB a unit (twice in a
// transaction): the window keeps the item within one unit unless `maxKeys` asks for more.
// https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html
export const ITEM_BUDGET = 1024;
// One item is at most 400 KB; a window never takes more than this of it.
const MAX_WINDOW_BYTES = 350 * 1024;
// Room left for a park (`parkedAt`, `parkedMessageId`) when the group may be parked, and a margin
// for DynamoDB's own rounding of numbers.
const PARK_RESERVE = 128;
const MARGIN = 16;

/** The bytes the window may take in an item whose other attributes are `rest`. */
export const windowBudget = (
  rest: Record<string, unknown>,
  parking: boolean,
  limits: WindowLimits,
): number => {
  if (limits.maxKeys !== undefined) return MAX_WINDOW_BYTES;
  const fixed = sizeOf(rest) + 'window'.length + (parking ? PARK_RESERVE : 0) + MARGIN;
  return Math.max(0, ITEM_BUDGET - fixed);
};

/**
 * The window after a commit at `nowMs` adds `digests`: buckets wholly older than the age dropped,
 * the new keys in the current bucket (never one before the latest: a clock behind the last
 * commit's adds to its bucket), then the oldest keys dropped until at most `maxKeys` and `budget`
 * bytes are left.
 */
export const extendWindow = (
  segments: readonly Segment[],
  digests: readonly Buffer[],
  nowMs: number,
  limits: WindowLimits,
  budget: number,
): Segment[] => {
  const width = bucketSeconds(limits.maxAgeMs);
  const kept = segments
    .filter((s) => live(s, nowMs, limits.maxAgeMs))
    .map((s) => ({ at: s.at, digests: [...s.digests] }));
  const bucket = Math.floor(nowMs / 1000 / width) * width;
  const latest = kept.at(-1);
  if (latest && latest.at >= bucket) latest.digests.push(...digests);
  else kept.push({ at: bucket, digests: [...digests] });
  let keys = kept.reduce((sum, s) => sum + s.digests.length, 0);
  const maxKeys = limits.maxKeys ?? Number.POSITIVE_INFINITY;
  // Each pass drops one key or one empty segment: bounded by the window's size.
  while (kept.length > 0 && (keys > maxKeys || windowBytes(kept) > budget)) {
    const oldest = kept[0] as Segment;
    if (oldest.digests.length === 0) kept.shift();
    else {
      oldest.digests.shift();
      keys -= 1;
      if (oldest.digests.length === 0) kept.shift();
    }
  }
  return kept;
};
