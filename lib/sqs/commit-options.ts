import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '../document-client.ts';
import type { IdempotencyOptions } from '../idempotency/types.ts';
import { invalidOption } from '../options.ts';
import { IDEMPOTENCY_TABLE_ENV } from './environment.ts';
import type { FenceTable } from './fence.ts';

// How records commit and what fences them: group commit, the group window, the FIFO fence.
const fail = (option: string, expected: string, received: unknown) =>
  invalidOption('sqsBatch', option, expected, received);

/** The options of `sqsBatch` these checks read (its `SqsBatchOptions`, without importing them back). */
type CommitOptions = {
  groupCommit?: unknown;
  idempotency?: IdempotencyOptions<never>;
  sequence?: unknown;
  fence?: false | FenceTable;
  ordering?: string;
};

/** Group commit stages writes for a shared transaction: only where nothing is written before the commit. */
export const validateGroupCommit = ({ groupCommit, idempotency, sequence }: CommitOptions): void => {
  if (typeof groupCommit !== 'boolean') fail('groupCommit', 'true or false', groupCommit);
  if (!groupCommit) return;
  const mode = idempotency?.mode ?? 'exactly-once';
  if (!idempotency || (mode !== 'exactly-once' && mode !== 'effect-conditional'))
    fail(
      'groupCommit',
      "idempotency with mode 'exactly-once' or 'effect-conditional'",
      idempotency ? mode : 'no idempotency',
    );
  // The group window keeps no record: its table is the fence's.
  if (mode === 'exactly-once' && idempotency?.record !== 'group-window' && !idempotency?.store?.transactional)
    fail('groupCommit', 'an idempotency store that commits transactions (dynamoDBStore)', 'another store');
  // The guard reads each record's watermark before it runs; a pending commit would hide the move.
  if (sequence)
    fail('groupCommit', 'no `sequence` option beside it (the guard reads before each record)', 'both');
};

/** The group window lives in the fence's item and commits by group commit: FIFO, fenced, grouped. */
export const validateGroupWindow = (options: CommitOptions): void => {
  const why = "record 'group-window' (its window is the FIFO fence's item, committed once per chunk)";
  if (options.groupCommit === false) fail('groupCommit', `true or unset with ${why}`, false);
  if (options.ordering === 'none') fail('ordering', `'fifo' or 'auto' with ${why}`, 'none');
  if (options.sequence) fail('sequence', `unset with ${why}`, 'a sequence guard');
  if (!fenceOf(options).fence)
    fail(
      'fence',
      `a fence table with ${why}: a dynamoDBStore, IDEMPOTENCY_TABLE, or fence: { tableName }`,
      options.fence === false ? false : 'none',
    );
};

/** The fence's table: only where a commit can carry it (exactly-once, effect-conditional). */
export const fenceOf = ({
  fence,
  idempotency,
}: CommitOptions): { fence?: FenceTable & { documents: DynamoDBDocumentClient } } => {
  const mode = idempotency?.mode ?? 'exactly-once';
  if (fence === false || !idempotency || (mode !== 'exactly-once' && mode !== 'effect-conditional'))
    return {};
  const tableName = fence
    ? fence.tableName
    : (idempotency.store?.transactional?.tableName ?? (process.env[IDEMPOTENCY_TABLE_ENV] || undefined));
  if (!tableName) return {};
  const documents = idempotency.store?.transactional?.documents ?? documentClient(idempotency.client);
  return { fence: { tableName, documents } };
};
