/**
 * A seeded generator of numbers in [0, 1) (the mulberry32 algorithm): the same seed gives the
 * same sequence, so a workload and the order of fault decisions can be replayed.
 *
 * @example
 * const random = seededRandom(42);
 * random(); // the same first number on every run with seed 42
 */
export const seededRandom = (seed: number): (() => number) => {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
};
