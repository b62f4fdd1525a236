import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { ConfigurationError } from '../errors.ts';
import type { ChunkFence } from '../idempotency/commit-chunk.ts';
import type { KeyWindow } from '../idempotency/session.ts';
import type { Item, Landed, StagedCommit, TransactItem, Verdict } from '../idempotency/staged-commit.ts';
import { type FenceTable, fenceKeyOf, isParked } from './fence.ts';
import {
  DIGEST_BYTES,
  decodeWindow,
  digestOf,
  digestsOf,
  encodeWindow,
  extendWindow,
  ITEM_BUDGET,
  type Segment,
  type WindowLimits,
  windowBudget,
} from './window-item.ts';

// The fence item's attributes (fence.ts) and the window's.
const NAMES = {
  '#seq': 'fenceSequence',
  '#expires': 'expiresAt',
  '#window': 'window',
  '#parked': 'parkedAt',
  '#parkedId': 'parkedMessageId',
};
// As the fence: no message of the group can be older than SQS's 14-day retention.
const KEEP_S = 15 * 24 * 3600;

/** What the window knows of its item: the fence's number, the park, the keys. */
type State = { sequence?: string; parkedId?: string; parked: boolean; segments: Segment[]; rest: Item };

const stateOf = (item: Item | undefined): State => {
  const { window, ...rest } = item ?? {};
  return {
    sequence: typeof rest.fenceSequence === 'string' ? rest.fenceSequence : undefined,
    parked: isParked(item),
    parkedId: typeof rest.parkedMessageId === 'string' ? rest.parkedMessageId : undefined,
    segments: decodeWindow(window),
    rest,
  };
};

/** One record of a chunk, as the window sees it: its key and padded SequenceNumber, and the park its replay lifts. */
export type WindowCall = { key: string; sequence: string; release?: string };

/** A FIFO group's key window in one invocation: read once, then kept current by its own commits. */
export type GroupWindow = KeyWindow & {
  /** The most its update can take of a transaction's 4 MB. */
  bytes: number;
  /**
   * Why a record cannot commit: it has no SequenceNumber (`ConfigurationError`), or the fence
   * passed its number (its key not held: a late commit, refused without a request).
   */
  refuses(
    key: string,
    ticket: { sequence: string } | undefined,
    error: (sequence: string, item: Item | undefined) => unknown,
  ): Promise<unknown>;
  /** The chunk's one write: the fence moved to its last number, its keys added, on the item being as read. */
  action(calls: readonly WindowCall[]): TransactItem;
  /** The action committed: its item is now the window's. */
  committed(): void;
  /**
   * The action's condition failed on `item` (returned with ALL_OLD): the window takes it as its
   * item, and says what each call now is — held already (a duplicate), the fence passed it or the
   * group is parked (`error`, and the calls after it are not tried), or still to commit (`ok`).
   */
  refresh(calls: readonly WindowCall[], item: Item | undefined): Verdict[];
};

export type GroupWindowOptions = {
  table: FenceTable & { documents: DynamoDBDocumentClient };
  queue: string;
  group: string;
  parking: boolean;
  limits: WindowLimits;
  now: () => number;
  /** What a call the fence passed, or a parked group, fails with (fence.ts). */
  error: (sequence: string, item: Item | undefined) => unknown;
};

/**
 * The group window (`record: 'group-window'`): the fence item of (queue, group) also holds the
 * digests of the group's latest keys. Every commit of the group is one conditional update of it,
 * on the item being exactly as this window read it (`fenceSequence` unchanged: every change of the
 * window moves it up), that moves the fence and adds the chunk's keys; a key found in it is a
 * duplicate before its handler runs.
 */
export const createGroupWindow = (options: GroupWindowOptions): GroupWindow => {
  const { table, limits, parking, now } = options;
  const Key = { pk: fenceKeyOf(options.queue, options.group) };
  let state: State | undefined;
  let next: State | undefined;
  const load = async (): Promise<State> => {
    if (state) return state;
    const { Item } = await table.documents.send(
      new GetCommand({ TableName: table.tableName, Key, ConsistentRead: true }),
    );
    state ??= stateOf(Item);
    return state;
  };
  const holds = (current: State, key: string) =>
    digestsOf(current.segments, now(), limits.maxAgeMs).has(digestOf(key).toString('hex'));
  const passedIn = (current: State, sequence: string) =>
    current.sequence !== undefined && sequence <= current.sequence;

  return {
    readBack: { TableName: table.tableName, Key },
    documents: table.documents,
    bytes: ITEM_BUDGET + (limits.maxKeys ?? 0) * (DIGEST_BYTES + 6),
    holds: async (key) => holds(await load(), key),
    async refuses(key, ticket, error) {
      if (!ticket)
        return new ConfigurationError(
          `record 'group-window': the record of key "${key}" has no SequenceNumber (not from a FIFO queue).`,
        );
      return passedIn(await load(), ticket.sequence) ? error(ticket.sequence, undefined) : undefined;
    },
    landed(item, key): Landed {
      // A consistent read after an ambiguous commit: the item as it stands.
      state = stateOf(item);
      return holds(state, key) ? 'this' : 'none';
    },
    action(calls) {
      const current = state ?? stateOf(undefined);
      const nowMs = now();
      // Padded to one width: as strings they sort as the numbers do.
      const numbers = calls.map((call) => call.sequence).sort();
      const last = numbers.at(-1) ?? '';
      const release = parking ? calls[0]?.release : undefined;
      const expires = Math.floor(nowMs / 1000) + KEEP_S;
      const others: Item = { ...current.rest, ...Key, fenceSequence: last, expiresAt: expires };
      const segments = extendWindow(
        current.segments,
        calls.map((call) => digestOf(call.key)),
        nowMs,
        limits,
        windowBudget(
          release ? { ...others, parkedAt: undefined, parkedMessageId: undefined } : others,
          parking,
          limits,
        ),
      );
      next = { sequence: last, parked: false, segments, rest: others };
      const order = current.sequence === undefined ? 'attribute_not_exists(#seq)' : '#seq = :seen';
      const parked = release
        ? 'attribute_not_exists(#parked) OR #parkedId = :release'
        : 'attribute_not_exists(#parked)';
      const window = encodeWindow(segments);
      return {
        Update: {
          TableName: table.tableName,
          Key,
          UpdateExpression: `SET #seq = :last, #expires = :expires, #window = :window${release ? ' REMOVE #parked, #parkedId' : ''}`,
          ConditionExpression: parking ? `(${order}) AND (${parked})` : order,
          // DynamoDB refuses a name placeholder its expressions do not use.
          ExpressionAttributeNames: {
            '#seq': NAMES['#seq'],
            '#expires': NAMES['#expires'],
            '#window': NAMES['#window'],
            ...(parking && { '#parked': NAMES['#parked'] }),
            ...(release && { '#parkedId': NAMES['#parkedId'] }),
          },
          ExpressionAttributeValues: {
            ':last': last,
            ':expires': expires,
            ':window': window,
            ...(current.sequence !== undefined && { ':seen': current.sequence }),
            ...(release && { ':release': release }),
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      };
    },
    committed() {
      if (next) state = next;
      next = undefined;
    },
    refresh(calls, item) {
      next = undefined;
      state = stateOf(item);
      const current = state;
      const verdicts: Verdict[] = [];
      // The first call still to commit leads the next round: only its replay lifts a park.
      let head: WindowCall | undefined;
      for (const call of calls) {
        if (holds(current, call.key)) {
          verdicts.push({ kind: 'duplicate' });
          continue;
        }
        head ??= call;
        const parked = parking && current.parked && !(head.release && head.release === current.parkedId);
        if (parked || passedIn(current, call.sequence)) {
          verdicts.push({ kind: 'error', error: options.error(call.sequence, item) });
          break;
        }
        verdicts.push({ kind: 'ok' });
      }
      return verdicts;
    },
  };
};

/** The window as the group commit's chunk fence: one window update per chunk, kept current by its outcome. */
export const windowChunkFence = (
  window: GroupWindow,
  ticketOf: (call: StagedCommit) => { sequence: string; release?: string } | undefined,
  error: (sequence: string, item: Item | undefined) => unknown,
): ChunkFence => {
  const callsOf = (calls: readonly StagedCommit[]): WindowCall[] =>
    calls.map((call) => ({ key: call.key, sequence: '', ...ticketOf(call) }));
  return {
    action: (calls) => window.action(callsOf(calls)),
    error: (call, item) => error(ticketOf(call)?.sequence ?? '', item),
    committed: () => window.committed(),
    refresh: (calls, item) => window.refresh(callsOf(calls), item),
  };
};
