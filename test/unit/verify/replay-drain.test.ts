import { describe, expect, it } from 'vitest';
import { drainThenReplay } from '../../../lib/verify/replay-phase.ts';

// Drains that answer in turn, and a replay that counts its calls.
const withDrains = async (drains: { drained: boolean; drainedAt: number }[]) => {
  let replays = 0;
  const result = await drainThenReplay(
    async () => drains.shift()!,
    async () => ++replays,
  );
  return { result, replays };
};

describe('verify --replay and the drain', () => {
  it('replays only once the app drained, and the drain is the second one', async () => {
    const { result } = await withDrains([
      { drained: true, drainedAt: 10 },
      { drained: true, drainedAt: 20 },
    ]);
    expect(result).toEqual({ drained: true, drainedAt: 20, replay: 1 });
  });

  it('does not replay into an app that did not drain, nor let the second wait hide that it did not (it said "the app drained")', async () => {
    const { result, replays } = await withDrains([
      { drained: false, drainedAt: 600 },
      { drained: true, drainedAt: 700 },
    ]);
    expect(replays).toBe(0);
    expect(result.drained).toBe(false);
    expect(result.replay).toBeUndefined();
  });

  it('without --replay, drains once', async () => {
    let drains = 0;
    expect(await drainThenReplay(async () => ({ drained: true, drainedAt: ++drains }))).toEqual({
      drained: true,
      drainedAt: 1,
    });
  });
});
