/**
 * A small, fast, seedable pseudo-random generator (xoshiro128**, seeded through splitmix32).
 *
 * Every random draw in ppo-flow comes from an `Rng`: environment reset noise, action sampling,
 * minibatch shuffles and weight initialisation. Its state is four 32-bit words that can be saved
 * in a checkpoint and restored, so a resumed run draws the same numbers as an uninterrupted one.
 *
 * @module
 */

/** The serialisable state of an {@linkcode Rng}: four unsigned 32-bit words. */
export type RngState = readonly [number, number, number, number];

const TWO_POW_32 = 4294967296;

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/**
 * A seeded generator of uniform and normal random numbers.
 *
 * @example Same seed, same stream
 * ```ts
 * import { Rng } from "./rng.ts";
 * import assert from "node:assert/strict";
 *
 * const a = new Rng(42);
 * const b = new Rng(42);
 * assert.equal(a.random(), b.random());
 * ```
 */
export class Rng {
  #s0 = 0;
  #s1 = 0;
  #s2 = 0;
  #s3 = 0;
  #spareNormal = NaN;

  /**
   * Creates a generator from a seed.
   *
   * @param seed Any finite number; its integer part (mod 2^32, and the high word for larger seeds) seeds the stream.
   */
  constructor(seed: number) {
    if (!Number.isFinite(seed)) {
      throw new RangeError(`Cannot seed Rng as seed must be a finite number: current value is ${seed}`);
    }
    const whole = Math.trunc(seed);
    const next = splitmix32((whole >>> 0) ^ Math.imul(Math.floor(whole / TWO_POW_32) >>> 0, 0x27d4eb2d));
    this.#s0 = next();
    this.#s1 = next();
    this.#s2 = next();
    this.#s3 = next();
    if ((this.#s0 | this.#s1 | this.#s2 | this.#s3) === 0) this.#s0 = 1;
  }

  /** Returns the next unsigned 32-bit integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.#s1, 5), 7), 9) >>> 0;
    const t = this.#s1 << 9;
    this.#s2 ^= this.#s0;
    this.#s3 ^= this.#s1;
    this.#s1 ^= this.#s2;
    this.#s0 ^= this.#s3;
    this.#s2 ^= t;
    this.#s3 = rotl(this.#s3, 11);
    return result;
  }

  /** Returns a float64 uniformly distributed in [0, 1), with 53 random bits. */
  random(): number {
    const high = this.nextUint32() >>> 5; // 27 bits
    const low = this.nextUint32() >>> 6; // 26 bits
    return (high * 67108864 + low) / 9007199254740992;
  }

  /** Returns a float64 uniformly distributed in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.random();
  }

  /** Returns an integer uniformly distributed in [0, n), without modulo bias. */
  integer(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > TWO_POW_32) {
      throw new RangeError(
        `Cannot draw an integer as n must be an integer in [1, 2^32]: current value is ${n}`,
      );
    }
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return x % n;
  }

  /** Returns a standard normal draw (Box-Muller, the second value of each pair is kept for the next call). */
  normal(): number {
    if (!Number.isNaN(this.#spareNormal)) {
      const spare = this.#spareNormal;
      this.#spareNormal = NaN;
      return spare;
    }
    let u = this.random();
    while (u === 0) u = this.random();
    const v = this.random();
    const radius = Math.sqrt(-2 * Math.log(u));
    this.#spareNormal = radius * Math.sin(2 * Math.PI * v);
    return radius * Math.cos(2 * Math.PI * v);
  }

  /** Shuffles `array` in place (Fisher-Yates) and returns it. */
  shuffle<T extends { length: number; [i: number]: number }>(array: T): T {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.integer(i + 1);
      const tmp = array[i]!;
      array[i] = array[j]!;
      array[j] = tmp;
    }
    return array;
  }

  /** Returns the generator's state, including a cached normal draw, for checkpoints. */
  getState(): { words: RngState; spareNormal: number | null } {
    return {
      words: [this.#s0 >>> 0, this.#s1 >>> 0, this.#s2 >>> 0, this.#s3 >>> 0],
      spareNormal: Number.isNaN(this.#spareNormal) ? null : this.#spareNormal,
    };
  }

  /** Restores a state returned by {@linkcode Rng.getState}. */
  setState(state: { words: RngState; spareNormal: number | null }): void {
    const words = state.words;
    if (words.length !== 4 || words.some((w) => !Number.isInteger(w) || w < 0 || w >= TWO_POW_32)) {
      throw new TypeError(
        `Cannot restore Rng state as words must be four unsigned 32-bit integers: current value is ${
          JSON.stringify(words)
        }`,
      );
    }
    if ((words[0] | words[1] | words[2] | words[3]) === 0) {
      throw new RangeError("Cannot restore Rng state as the words are all zero: current value is [0,0,0,0]");
    }
    [this.#s0, this.#s1, this.#s2, this.#s3] = words;
    this.#spareNormal = state.spareNormal ?? NaN;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
