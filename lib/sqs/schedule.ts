import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSRecord } from 'aws-lambda';
import { appendTo } from '../collections.ts';
import type { IdempotencyRecord } from '../idempotency/record.ts';
import { commitNow, type GroupFence, groupCommit } from './commit-strategy.ts';
import { GroupParkedError, LateCommitFencedError } from './errors.ts';
import { fenceWrite, isParked, parkWrite, unparkWrite } from './fence.ts';
import { createGroupWindow } from './group-window.ts';
import { envelopeOf, type PreparedRecord, type SqsMessage } from './message.ts';
import { type CountedOutcome, isRetried } from './outcome.ts';
import { type BatchEnv, type Processed, processRecord } from './process-record.ts';
import type { SequenceGuardOptions } from './sequence-guard.ts';

/** FIFO when asked, or (`'auto'`) when the source ARN ends in `.fifo` or records carry a message group. */
const isFifoBatch = (records: readonly SQSRecord[], ordering: 'auto' | 'fifo' | 'none'): boolean =>
  ordering === 'fifo' ||
  (ordering === 'auto' &&
    ((records[0]?.eventSourceARN ?? '').endsWith('.fifo') ||
      records.some((r) => r.attributes?.MessageGroupId)));

/** Splits the batch into the groups that must run in order: FIFO message groups, or sequence keys sorted by number. */
const groupsOf = <Body>(
  prepared: readonly PreparedRecord<Body>[],
  fifo: boolean,
  sequence: Pick<SequenceGuardOptions<Body>, 'key' | 'seq'> | undefined,
): PreparedRecord<Body>[][] => {
  const groups = new Map<string, PreparedRecord<Body>[]>();
  const seqOf = new Map<PreparedRecord<Body>, number>();
  for (const item of prepared) {
    let groupKey = item.record.messageId;
    if (fifo) groupKey = `g:${item.record.attributes?.MessageGroupId ?? item.record.messageId}`;
    else if (sequence) {
      // A record whose body does not parse is still ordered by the key and number it carries.
      const message = item.message ?? (envelopeOf(item.record) as SqsMessage<Body>);
      try {
        groupKey = `s:${sequence.key(message)}`;
        seqOf.set(item, sequence.seq(message));
      } catch {
        // A message whose key cannot be read runs alone; the guard will report it.
      }
    }
    appendTo(groups, groupKey, item);
  }
  const list = [...groups.values()];
  // Standard queues deliver in any order: within a sequence key, run the lowest number first.
  if (!fifo && sequence)
    for (const group of list) group.sort((a, b) => (seqOf.get(a) ?? 0) - (seqOf.get(b) ?? 0));
  return list;
};

/** An attribute's string, from an unmarshalled item or a raw AttributeValue ({ S }). */
const textOf = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : ((value as { S?: string } | undefined)?.S ?? undefined);

/** When less than this remains, no record starts: at most half of the time the invocation began with. */
const timeGuard = (env: BatchEnv<unknown>) => {
  const remaining = env.lambdaContext?.getRemainingTimeInMillis?.bind(env.lambdaContext);
  if (!remaining) return () => undefined;
  // A short function timeout still gets work done.
  const guardMs = Math.min(env.timeGuardMs, remaining() / 2);
  return () => (remaining() < guardMs ? ('time-guard' as const) : undefined);
};

/**
 * Runs a parsed batch: its ordered groups (FIFO message groups, or sequence keys) concurrently (at
 * most `concurrency` at a time), the records of each group in order, each through the one record
 * pipeline (`processRecord`) with the group's commit strategy (now, or group commit). Once a record
 * is reported for retry, the rest of its group (`skip-group`) or every record not yet started
 * (`stop-batch`) is reported too without running: a later message of a group must never be
 * acknowledged while an earlier one goes back to the queue. None starts once the time guard trips.
 */
export const runBatch = async <Body>(
  env: BatchEnv<Body>,
  prepared: readonly PreparedRecord<Body>[],
): Promise<Map<PreparedRecord<Body>, CountedOutcome>> => {
  const fifo = isFifoBatch(
    prepared.map((item) => item.record),
    env.ordering,
  );
  const groups = groupsOf(prepared, fifo, env.sequence);
  // FIFO groups' fences: a late invocation's commit after a later record of the group is cancelled.
  const fenceOf = (items: readonly PreparedRecord<Body>[]): GroupFence | undefined => {
    const table = env.fence;
    const group = items[0]?.record.attributes?.MessageGroupId;
    if (!table || !fifo || group === undefined) return undefined;
    const parking = env.onDeadLetter === 'park-group';
    const move = { queue: env.queue, group, parking };
    const error = (sequence: string, item: Record<string, unknown> | undefined) =>
      parking && isParked(item)
        ? new GroupParkedError(group, textOf(item?.parkedMessageId))
        : new LateCommitFencedError(group, sequence.replace(/^0+(?=\d)/, ''));
    return {
      write: (first, last, release) => fenceWrite(table, { ...move, first, last, release, nowMs: env.now() }),
      error,
      ...(env.window && {
        window: createGroupWindow({
          ...move,
          table,
          limits: env.window,
          now: env.window.now ?? env.now,
          error,
        }),
      }),
      ...(parking && {
        park: async (sequence: string, messageId: string, release?: string) => {
          try {
            await table.documents.send(
              new UpdateCommand(
                parkWrite(table, { ...move, nowMs: env.now() }, sequence, messageId, release),
              ),
            );
          } catch (error) {
            // Parked already: the first park stands.
            if ((error as Error)?.name !== 'ConditionalCheckFailedException') throw error;
          }
        },
        unpark: async (release: string) => {
          try {
            await table.documents.send(new UpdateCommand(unparkWrite(table, move, release)));
          } catch (error) {
            // Not parked by it (lifted already, or parked by another): nothing to lift.
            if ((error as Error)?.name !== 'ConditionalCheckFailedException') throw error;
          }
        },
      }),
    };
  };
  const outcomes = new Map<PreparedRecord<Body>, CountedOutcome>();
  const mustNotStart = timeGuard(env as BatchEnv<unknown>);
  const known = new Map<string, IdempotencyRecord>();
  const strategy = env.groupCommit ? groupCommit : commitNow;
  let stopped = false;
  const onRetried = () => {
    if (env.onFailure === 'stop-batch') stopped = true;
  };

  const runGroup = async (items: readonly PreparedRecord<Body>[]) => {
    const group = strategy({ known, onRetried, fence: fenceOf(items) });
    const processed: Processed[] = [];
    let halted = false;
    for (const item of items) {
      const reason = stopped ? 'batch-stopped' : group.failed || halted ? 'group-failed' : mustNotStart();
      if (reason) {
        processed.push({ outcome: { kind: 'not-run', reason } });
        halted = true;
        continue;
      }
      processed.push(await processRecord(env, group, item));
    }
    // The records that ran are committed before the batch returns, the time guard's included.
    await group.settle();
    let retried = false;
    for (const [index, item] of items.entries()) {
      const entry = processed[index] as Processed;
      const outcome = 'outcome' in entry ? entry.outcome : await entry.later;
      // Never acknowledge a later record of a group whose earlier one goes back.
      outcomes.set(
        item,
        retried && !isRetried(outcome) ? { kind: 'not-run', reason: 'group-failed' } : outcome,
      );
      retried ||= isRetried(outcome);
    }
  };

  let nextGroup = 0;
  const worker = async () => {
    while (nextGroup < groups.length) {
      const group = groups[nextGroup++];
      if (group) await runGroup(group);
    }
  };
  await Promise.all(Array.from({ length: Math.min(env.concurrency, groups.length) }, worker));
  return outcomes;
};
