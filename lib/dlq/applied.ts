import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '../document-client.ts';
import type { DeadLetter } from './dead-letter-message.ts';
import { AppliedLookupError } from './errors.ts';

/**
 * Whether the consumer already applied a dead letter, from its idempotency record: `applied` when
 * the record is COMPLETED, unexpired and holds no failure (the consumer would suppress a replay);
 * `not-applied` when there is no record, or it is IN_PROGRESS, expired, or an at-most-once failure
 * (the consumer would run or dead-letter it again); `unknown` when the message names no record (SQS's
 * own redrive moved it, or the consumer keeps none) or names a table the lookup was not given.
 */
export type Applied = { status: 'applied' | 'not-applied' | 'unknown'; reason: string };

/** Where to look: the idempotency tables the caller allows (a message naming another is `unknown`). */
export type AppliedLookup = {
  tables: readonly string[];
  client?: DynamoDBClient;
  /** BatchGetItem calls for keys DynamoDB returns unprocessed, before they are reported `unknown`. @default 5 */
  maxAttempts?: number;
};

export const appliedDefaults = { maxAttempts: 5, baseDelayMs: 50 } as const;

// BatchGetItem reads at most 100 items per call, and may return some keys unprocessed (throttling,
// the 16 MB response limit), to be asked again, with backoff.
// https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchGetItem.html
const MAX_KEYS = 100;
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** The rule the consumer's claim applies (dynamodb-store.ts, FREE): what it would suppress. */
export const appliedOf = (item: Record<string, unknown> | undefined, nowMs: number): Applied => {
  if (!item) return { status: 'not-applied', reason: 'no idempotency record' };
  if (Number(item.expiresAt) < Math.floor(nowMs / 1000))
    return {
      status: 'not-applied',
      reason: 'its idempotency record expired: the consumer would run it again',
    };
  if (item.status === 'IN_PROGRESS') return { status: 'not-applied', reason: 'in progress, not completed' };
  if (item.status !== 'COMPLETED')
    return { status: 'unknown', reason: `record status ${String(item.status)}` };
  if (item.failure) return { status: 'not-applied', reason: 'it failed (at-most-once keeps the failure)' };
  return { status: 'applied', reason: 'completed: the consumer would suppress it' };
};

const getAll = async (
  documents: ReturnType<typeof documentClient>,
  table: string,
  pks: readonly string[],
  maxAttempts: number,
) => {
  const found = new Map<string, Record<string, unknown>>();
  let keys: Record<string, unknown>[] = pks.map((pk) => ({ pk }));
  for (let attempt = 1; keys.length > 0 && attempt <= maxAttempts; attempt++) {
    if (attempt > 1) await sleep(appliedDefaults.baseDelayMs * 2 ** (attempt - 2));
    const answer = await documents.send(
      new BatchGetCommand({
        // Strongly consistent: a record completed a moment ago must read as completed.
        RequestItems: { [table]: { Keys: keys, ConsistentRead: true } },
      }),
    );
    for (const item of answer.Responses?.[table] ?? []) found.set(String(item.pk), item);
    keys = answer.UnprocessedKeys?.[table]?.Keys ?? [];
  }
  return { found, unread: new Set(keys.map((key) => String(key.pk))) };
};

/**
 * Looks up each dead letter's idempotency record (strongly consistent BatchGetItem, at most 100 keys
 * a call, unprocessed keys asked again with backoff up to `maxAttempts`) and says, by DLQ message
 * id, whether the consumer already applied it.
 *
 * @example
 * const applied = await lookUpApplied({ tables: ['Idempotency'] }, letters);
 */
export const lookUpApplied = async (
  lookup: AppliedLookup,
  letters: readonly DeadLetter[],
  nowMs: number = Date.now(),
): Promise<Map<string, Applied>> => {
  const maxAttempts = lookup.maxAttempts ?? appliedDefaults.maxAttempts;
  const documents = documentClient(lookup.client);
  const result = new Map<string, Applied>();
  const byTable = new Map<string, Set<string>>();
  for (const letter of letters) {
    const ref = letter.idempotency;
    if (!ref) {
      result.set(letter.messageId, { status: 'unknown', reason: 'no idempotency key recorded' });
    } else if (!lookup.tables.includes(ref.table)) {
      result.set(letter.messageId, {
        status: 'unknown',
        reason: `its record is in table ${ref.table}, not looked up`,
      });
    } else {
      byTable.set(ref.table, (byTable.get(ref.table) ?? new Set()).add(ref.pk));
    }
  }
  const items = new Map<string, { found: Map<string, Record<string, unknown>>; unread: Set<string> }>();
  for (const [table, pks] of byTable) {
    const all = [...pks];
    const merged = { found: new Map<string, Record<string, unknown>>(), unread: new Set<string>() };
    for (let i = 0; i < all.length; i += MAX_KEYS) {
      try {
        const part = await getAll(documents, table, all.slice(i, i + MAX_KEYS), maxAttempts);
        for (const [pk, item] of part.found) merged.found.set(pk, item);
        for (const pk of part.unread) merged.unread.add(pk);
      } catch (error) {
        const name = (error as { name?: string }).name ?? 'Error';
        throw new AppliedLookupError(
          `Could not read idempotency table ${table} (${name}): check the table name (--idempotency-table) and that the role may dynamodb:BatchGetItem on it.`,
          { cause: error },
        );
      }
    }
    items.set(table, merged);
  }
  for (const letter of letters) {
    const ref = letter.idempotency;
    const read = ref && items.get(ref.table);
    if (!ref || !read) continue;
    result.set(
      letter.messageId,
      read.unread.has(ref.pk)
        ? { status: 'unknown', reason: `DynamoDB left its record unread after ${maxAttempts} attempts` }
        : appliedOf(read.found.get(ref.pk), nowMs),
    );
  }
  return result;
};
