/** How long FIFO groups stood still: how many times, the median, the longest, all of it (seconds). */
export type WaitSummary = { count: number; medianSeconds: number; maxSeconds: number; totalSeconds: number };

// Waits are counted in tenths of a second (what the report shows) up to 15 minutes, the longest
// a message can be held back (SQS's 900 s delay, and 12 h visibility timeouts counted as 15 min):
// 9,001 counters, 36 KB, however many waits — a run keeps no list of them.
const TENTHS = 9_000;

/** Group waits, counted (see `waitSketch`). */
export type WaitSketch = {
  add(ms: number): void;
  /** Adds another sketch's waits to this one. */
  merge(other: WaitSketch): void;
  /** Each tenth of a second with waits, and how many. */
  each(visit: (tenth: number, n: number) => void): void;
  raw(): { count: number; totalMs: number; maxMs: number };
  summary(): WaitSummary;
  toJSON(): WaitSummary;
};

/**
 * Counts group waits in tenths of a second: the median to the report's precision, the count,
 * the longest and the total exactly; its JSON is its summary.
 *
 * @example
 * const waits = waitSketch();
 * waits.add(1_240);
 * waits.summary(); // { count: 1, medianSeconds: 1.2, maxSeconds: 1.2, totalSeconds: 1.2 }
 */
export const waitSketch = (): WaitSketch => {
  const tenths = new Uint32Array(TENTHS + 1);
  let count = 0;
  let totalMs = 0;
  let maxMs = 0;
  const seconds = (ms: number) => Math.round(ms / 100) / 10;
  const sketch: WaitSketch = {
    add(ms: number) {
      const at = Math.min(TENTHS, Math.max(0, Math.round(ms / 100)));
      tenths[at] = tenths[at]! + 1;
      count += 1;
      totalMs += ms;
      maxMs = Math.max(maxMs, ms);
    },
    merge(other) {
      other.each((at, n) => {
        tenths[at] = tenths[at]! + n;
      });
      const { count: c, totalMs: t, maxMs: m } = other.raw();
      count += c;
      totalMs += t;
      maxMs = Math.max(maxMs, m);
    },
    each(visit) {
      for (let at = 0; at <= TENTHS; at++) if (tenths[at]! > 0) visit(at, tenths[at]!);
    },
    raw: () => ({ count, totalMs, maxMs }),
    summary() {
      // The middle wait, as a sorted list's element at count / 2 (rounded down) would be.
      let median = 0;
      for (let at = 0, seen = 0; at <= TENTHS && count > 0; at++) {
        seen += tenths[at]!;
        if (seen > Math.floor(count / 2)) {
          median = at / 10;
          break;
        }
      }
      return { count, medianSeconds: median, maxSeconds: seconds(maxMs), totalSeconds: seconds(totalMs) };
    },
    toJSON: () => sketch.summary(),
  };
  return sketch;
};
