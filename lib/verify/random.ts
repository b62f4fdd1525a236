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

/**
 * A seeded draw in [0, 1) for a named opportunity: the same seed and key give the same number
 * whenever it is asked and whatever was asked before. A fault decided this way lands on the same
 * record (or the same n-th request of a function) in every run of a seed, however the run's
 * requests interleave; a shared sequence would hand each decision to whichever request came first.
 *
 * @example
 * const draw = keyedRandom(42);
 * draw('Consumer|lateAck|m-17|1') === draw('Consumer|lateAck|m-17|1'); // true
 */
export const keyedRandom = (seed: number): ((key: string) => number) => {
  return (key) => {
    // FNV-1a over the key, then mulberry32's output mix seeded with the run's seed.
    let h = 0x811c9dc5 ^ (seed >>> 0);
    for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
    return seededRandom(h)();
  };
};

/**
 * A 53-bit digest of a key (two FNV-1a passes), to count keys by without keeping them: a run
 * that counts each record's deliveries keeps a number per record, not its id or body.
 *
 * @example
 * digest53('Consumer|lateAck|m-17') === digest53('Consumer|lateAck|m-17'); // true
 */
export const digest53 = (key: string): number => {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ key.length;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return (a >>> 0) * 2 ** 21 + ((b >>> 0) >>> 11);
};
