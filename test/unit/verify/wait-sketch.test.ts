import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../lib/verify/random.ts';
import { waitSketch } from '../../../lib/verify/wait-sketch.ts';

// What the report computed from the list of every wait, before the sketch.
const fromList = (waits: number[]) => {
  const sorted = [...waits].sort((a, b) => a - b);
  const seconds = (ms: number) => Math.round(ms / 100) / 10;
  return {
    count: sorted.length,
    medianSeconds: seconds(sorted[Math.floor(sorted.length / 2)] ?? 0),
    maxSeconds: seconds(sorted.at(-1) ?? 0),
    totalSeconds: seconds(sorted.reduce((a, b) => a + b, 0)),
  };
};

describe('waitSketch', () => {
  it('gives the summary the list of every wait gave, in 36 KB whatever the count', () => {
    const random = seededRandom(11);
    for (const n of [0, 1, 2, 7, 1_000, 50_000]) {
      const waits = Array.from({ length: n }, () => Math.floor(random() ** 3 * 120_000));
      const sketch = waitSketch();
      for (const ms of waits) sketch.add(ms);
      expect(sketch.summary()).toEqual(fromList(waits));
      expect(JSON.parse(JSON.stringify({ waits: sketch }))).toEqual({ waits: fromList(waits) });
    }
  });

  it('merges sketches as one list, and counts a wait past 15 minutes in its last tenth', () => {
    const a = waitSketch();
    const b = waitSketch();
    for (const ms of [100, 200, 300]) a.add(ms);
    for (const ms of [30_000, 2_000_000]) b.add(ms);
    a.merge(b);
    expect(a.summary()).toEqual(fromList([100, 200, 300, 30_000, 2_000_000]));
  });
});
