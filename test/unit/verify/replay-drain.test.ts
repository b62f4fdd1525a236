import { describe, expect, it } from 'vitest';
import { drainThenReplay } from '../../../lib/verify/replay-phase.ts';

describe('verify --replay and the drain', () => {
  it('replays only once the app drained, and the drain is the second one', async () => {
    const drains = [
      { drained: true, drainedAt: 10 },
      { drained: true, drainedAt: 20 },
    ];
    let replays = 0;
    const result = await drainThenReplay(
      async () => drains.shift()!,
      async () => ++replays,
    );
    expect(result).toEqual({ drained: true, drainedAt: 20, replay: 1 });
  });

  it('does not replay into an app that did not drain, nor let the second wait hide that it did not (it said "the app drained")', async () => {
    const drains = [
      { drained: false, drainedAt: 600 },
      { drained: true, drainedAt: 700 },
    ];
    let replays = 0;
    const result = await drainThenReplay(
      async () => drains.shift()!,
      async () => ++replays,
    );
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
