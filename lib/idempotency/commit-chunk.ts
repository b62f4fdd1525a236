import { IdempotencyWriteCancelledError } from './errors.ts';
import {
  type Item,
  itemOf,
  readBack,
  refused,
  type StagedCommit,
  sendStaged,
  type TransactItem,
  type Verdict,
  verdictOf,
} from './staged-commit.ts';

/** What became of one call in a chunk; `undefined`: not tried, because a call before it failed. */
export type ChunkResult =
  | { kind: 'committed' }
  | { kind: 'duplicate' }
  | { kind: 'error'; error: unknown }
  | undefined;

/**
 * A condition committed with a chunk, whatever calls it holds (a FIFO group's fence): its action
 * for the calls of a round, and the error every call of the round fails with when only it failed.
 */
export type ChunkFence = {
  action(calls: readonly StagedCommit[]): TransactItem;
  /** What the round fails with when only the fence's condition failed; `item` is the fence item it returned. */
  error(call: StagedCommit, item: Item | undefined): unknown;
  /** A fence that keeps its item's state (the group window): the round's action committed. */
  committed?(): void;
  /**
   * A fence that keeps its item's state: its condition failed on `item`; it takes the item and
   * says what each call of the round now is (a duplicate, an error, or still to commit).
   */
  refresh?(calls: readonly StagedCommit[], item: Item | undefined): Verdict[];
};

/**
 * Commits the staged writes of consecutive calls of one group in as few transactions as it takes,
 * and says what became of each, in order. A cancelled transaction writes nothing; its reasons, one
 * per action, name the calls: a failed guard is a duplicate (taken out), another failure is that
 * call's error — the calls before it are sent again without it, the calls after it are not tried
 * (the caller decides whether they go on). The `fence` fails the round only when nothing else
 * does: a duplicate taken out, the rest is sent again under a fence recomputed for it. A refused
 * request is retried call by call, so the one DynamoDB refuses is named. An ambiguous outcome is
 * settled by reading each guarded item back: the transaction is atomic, so the first call found
 * not landed means none after it landed either.
 */
export const commitChunk = async (
  staged: readonly StagedCommit[],
  fence?: ChunkFence,
): Promise<ChunkResult[]> => {
  const results: ChunkResult[] = staged.map(() => undefined);
  let pending = staged.map((_, index) => index);
  const stop = (index: number, error: unknown) => {
    results[index] = { kind: 'error', error };
    pending = [];
  };
  const commit = (index: number) => {
    staged[index]?.committed();
    results[index] = { kind: 'committed' };
  };
  // Each round commits everything left, or takes at least one call out: at most n + 1 rounds.
  for (let round = 0; pending.length > 0 && round <= staged.length; round++) {
    const calls = pending.map((index) => staged[index] as StagedCommit);
    const sent = await sendStaged(calls, fence?.action(calls));
    const [first] = pending as [number];
    if (sent.kind === 'committed') {
      fence?.committed?.();
      for (const index of pending) commit(index);
      pending = [];
    } else if ((sent.kind === 'invalid' || sent.kind === 'unattributed') && pending.length === 1) {
      stop(first, sent.kind === 'invalid' ? refused(calls[0]?.key ?? '', sent.error) : sent.error);
    } else if (sent.kind === 'invalid' || sent.kind === 'unattributed') {
      // DynamoDB does not say which call it refused: one transaction per call, in order.
      const left = pending;
      pending = [];
      for (const index of left) {
        const [alone] = await commitChunk([staged[index] as StagedCommit], fence);
        results[index] = alone;
        if (alone?.kind === 'error') break;
      }
    } else if (sent.kind === 'ambiguous') {
      const left = pending;
      pending = [];
      for (const index of left) {
        const call = staged[index] as StagedCommit;
        const landed = await readBack(call).catch(() => 'none' as const);
        if (landed === 'none' || typeof landed === 'object') {
          stop(index, typeof landed === 'object' ? landed.error : sent.error);
          break;
        }
        if (landed === 'this') commit(index);
        else results[index] = { kind: 'duplicate' };
      }
    } else {
      const next: number[] = [];
      let offset = 0;
      let settled = false;
      const fenceReason = fence ? sent.reasons.at(-1) : undefined;
      const fenceFailed = fenceReason?.Code === 'ConditionalCheckFailed';
      // A fence that keeps state learns its item now, whatever else failed in the round.
      const refreshed = fenceFailed ? fence?.refresh?.(calls, itemOf(fenceReason?.Item)) : undefined;
      for (const [n, index] of pending.entries()) {
        const call = staged[index] as StagedCommit;
        const reasons = sent.reasons.slice(offset, offset + call.actions.length);
        offset += call.actions.length;
        let verdict = verdictOf(call, reasons);
        // The call's own writes passed: what the fence's item says of it decides (untried after an error: ok).
        if (verdict.kind === 'ok' && refreshed) verdict = refreshed[n] ?? verdict;
        if (verdict.kind === 'ok') {
          next.push(index);
          continue;
        }
        settled = true;
        if (verdict.kind === 'duplicate') results[index] = { kind: 'duplicate' };
        else if (verdict.kind === 'landed') commit(index);
        else {
          results[index] = { kind: 'error', error: verdict.error };
          break;
        }
      }
      if (settled) pending = next;
      // Its item had moved on: the same calls go again under the item as it stands.
      else if (refreshed) pending = next;
      else if (fence && fenceFailed)
        stop(first, fence.error(calls[0] as StagedCommit, itemOf(fenceReason.Item)));
      else
        stop(
          first,
          new IdempotencyWriteCancelledError(
            calls[0]?.key ?? '',
            'Cancelled',
            'no reason given for any action',
          ),
        );
    }
  }
  // Never more rounds than calls; should any be left, the first is blamed rather than retried here.
  const [left] = pending;
  if (left !== undefined)
    stop(left, new IdempotencyWriteCancelledError(staged[left]?.key ?? '', 'Cancelled', 'too many rounds'));
  return results;
};
