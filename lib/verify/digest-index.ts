/**
 * A map from 53-bit digests (`digest53`) to small integers (a message's place in the plan),
 * open-addressed in two typed arrays and kept at most half full: 24–48 B an entry, with no object
 * and no boxed number per entry as a `Map<number, number>` has. It grows by doubling.
 *
 * @example
 * const index = new DigestIndex();
 * index.set(digest53('order-1'), 0);
 * index.get(digest53('order-1')); // 0
 */
export class DigestIndex {
  // A slot holds digest + 1 (0 is an empty slot) and its value.
  #digests: Float64Array;
  #values: Int32Array;
  #size = 0;

  constructor(expected = 8) {
    let capacity = 16;
    while (capacity < expected * 2) capacity *= 2;
    this.#digests = new Float64Array(capacity);
    this.#values = new Int32Array(capacity);
  }

  /** How many digests it holds. */
  get size(): number {
    return this.#size;
  }

  // The slot of `digest`, or the empty one where it would go: its two halves mixed, then linear
  // probing (keys that differ in a digit must not crowd one run of slots).
  #slot(digest: number): number {
    const mask = this.#digests.length - 1;
    let mixed = Math.imul(
      (digest % 0x100000000) ^ Math.imul(Math.floor(digest / 0x100000000), 0x85ebca6b),
      0x9e3779b1,
    );
    mixed ^= mixed >>> 16;
    let slot = (mixed >>> 0) & mask;
    while (this.#digests[slot] !== 0 && this.#digests[slot] !== digest + 1) slot = (slot + 1) & mask;
    return slot;
  }

  /** The value of `digest`, or undefined. */
  get(digest: number): number | undefined {
    const slot = this.#slot(digest);
    return this.#digests[slot] === 0 ? undefined : this.#values[slot];
  }

  /** Sets the value of `digest` (an integer from 0 to 2³¹ − 1). */
  set(digest: number, value: number): this {
    if (!Number.isSafeInteger(digest) || digest < 0)
      throw new RangeError(`DigestIndex: a digest is an integer from 0 to 2^53 - 1, received ${digest}.`);
    if (!(Number.isInteger(value) && value >= 0 && value <= 0x7fffffff))
      throw new RangeError(`DigestIndex: a value is an integer from 0 to 2^31 - 1, received ${value}.`);
    if ((this.#size + 1) * 2 > this.#digests.length) this.#grow();
    const slot = this.#slot(digest);
    if (this.#digests[slot] === 0) this.#size += 1;
    this.#digests[slot] = digest + 1;
    this.#values[slot] = value;
    return this;
  }

  #grow() {
    const digests = this.#digests;
    const values = this.#values;
    this.#digests = new Float64Array(digests.length * 2);
    this.#values = new Int32Array(digests.length * 2);
    for (let i = 0; i < digests.length; i++) {
      const stored = digests[i]!;
      if (stored === 0) continue;
      const slot = this.#slot(stored - 1);
      this.#digests[slot] = stored;
      this.#values[slot] = values[i]!;
    }
  }
}
