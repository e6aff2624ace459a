import type { Rng } from "../core/rng.ts";

/**
 * A space of `n` integer actions `start, start + 1, ..., start + n - 1` (Gymnasium's `Discrete`).
 *
 * @example
 * ```ts
 * import { Discrete } from "./discrete.ts";
 * import { Rng } from "../core/rng.ts";
 * import assert from "node:assert/strict";
 *
 * const space = new Discrete(3);
 * assert.ok(space.contains(space.sample(new Rng(0))));
 * assert.equal(space.contains(3), false);
 * ```
 */
export class Discrete {
  /** Tags the space kind, for narrowing `Discrete | Box`. */
  readonly kind = "discrete" as const;
  /** Number of actions. */
  readonly n: number;
  /** The smallest action. @default {0} */
  readonly start: number;
  /** Shape of one element: a scalar. */
  readonly shape: readonly number[] = [];

  /**
   * Creates the space of the `n` integers `start, start + 1, ..., start + n - 1`.
   *
   * @param n Number of actions, a positive integer.
   * @param start The smallest action.
   */
  constructor(n: number, start = 0) {
    if (!Number.isInteger(n) || n < 1) {
      throw new RangeError(
        `Cannot create Discrete space as n must be a positive integer: current value is ${n}`,
      );
    }
    if (!Number.isInteger(start)) {
      throw new RangeError(
        `Cannot create Discrete space as start must be an integer: current value is ${start}`,
      );
    }
    this.n = n;
    this.start = start;
  }

  /** Whether `x` is an integer action of this space. */
  contains(x: unknown): boolean {
    return typeof x === "number" && Number.isInteger(x) && x >= this.start && x < this.start + this.n;
  }

  /** Draws a uniformly random action. */
  sample(rng: Rng): number {
    return this.start + rng.integer(this.n);
  }

  /** A JSON description, as saved in checkpoints. */
  toJSON(): { type: "Discrete"; n: number; start: number } {
    return { type: "Discrete", n: this.n, start: this.start };
  }
}
