import type { Rng } from "../core/rng.ts";

/**
 * A box in R^n with per-dimension bounds (Gymnasium's `Box`), stored as float32.
 *
 * @example
 * ```ts
 * import { Box } from "./box.ts";
 * import { Rng } from "../core/rng.ts";
 * import assert from "node:assert/strict";
 *
 * const space = new Box(-2, 2, [1]);
 * assert.ok(space.contains(space.sample(new Rng(0))));
 * assert.equal(space.contains([3]), false);
 * ```
 */
export class Box {
  /** Tags the space kind, for narrowing `Discrete | Box`. */
  readonly kind = "box" as const;
  /** Lower bounds, one per element (may be `-Infinity`). */
  readonly low: Float32Array;
  /** Upper bounds, one per element (may be `Infinity`). */
  readonly high: Float32Array;
  /** Shape of one element. */
  readonly shape: readonly number[];
  /** Number of scalars in one element (product of `shape`). */
  readonly size: number;

  /**
   * Creates a box of real vectors between `low` and `high`, element by element.
   *
   * @param low A bound for every element, or one per element.
   * @param high A bound for every element, or one per element.
   * @param shape Shape of one element; taken from `low` or `high` when they are arrays.
   */
  constructor(low: number | ArrayLike<number>, high: number | ArrayLike<number>, shape?: readonly number[]) {
    const inferred = shape ??
      (typeof low !== "number" ? [low.length] : typeof high !== "number" ? [high.length] : undefined);
    if (inferred === undefined) {
      throw new TypeError(
        "Cannot create Box space as shape is missing and both bounds are scalars: current value is undefined",
      );
    }
    if (inferred.some((d) => !Number.isInteger(d) || d < 1)) {
      throw new RangeError(
        `Cannot create Box space as shape must hold positive integers: current value is [${
          inferred.join(", ")
        }]`,
      );
    }
    this.shape = [...inferred];
    this.size = inferred.reduce((a, b) => a * b, 1);
    this.low = broadcast(low, this.size, "low");
    this.high = broadcast(high, this.size, "high");
    for (let i = 0; i < this.size; i++) {
      if (!(this.low[i]! <= this.high[i]!)) {
        throw new RangeError(
          `Cannot create Box space as low must not exceed high: current value is low[${i}]=${
            this.low[i]
          }, high[${i}]=${this.high[i]}`,
        );
      }
    }
  }

  /** Whether `x` has this box's size and lies inside its bounds. */
  contains(x: unknown): boolean {
    if (typeof x !== "object" || x === null || !("length" in x)) return false;
    const values = x as ArrayLike<unknown>;
    if (values.length !== this.size) return false;
    for (let i = 0; i < this.size; i++) {
      const v = values[i];
      if (typeof v !== "number" || !(v >= this.low[i]! && v <= this.high[i]!)) return false;
    }
    return true;
  }

  /**
   * Draws a random element as Gymnasium does: uniform on bounded dimensions, exponential on half-bounded ones,
   * normal on unbounded ones.
   */
  sample(rng: Rng): Float32Array {
    const out = new Float32Array(this.size);
    for (let i = 0; i < this.size; i++) {
      const lo = this.low[i]!;
      const hi = this.high[i]!;
      const loFinite = Number.isFinite(lo);
      const hiFinite = Number.isFinite(hi);
      let v: number;
      if (loFinite && hiFinite) v = rng.uniform(lo, hi);
      else if (loFinite) v = lo - Math.log(1 - rng.random());
      else if (hiFinite) v = hi + Math.log(1 - rng.random());
      else v = rng.normal();
      out[i] = Math.min(Math.max(v, lo), hi);
    }
    return out;
  }

  /** A JSON description, as saved in checkpoints (infinite bounds as the strings "Infinity"/"-Infinity"). */
  toJSON(): { type: "Box"; shape: number[]; low: (number | string)[]; high: (number | string)[] } {
    const enc = (v: number) => (Number.isFinite(v) ? v : String(v));
    return {
      type: "Box",
      shape: [...this.shape],
      low: Array.from(this.low, enc),
      high: Array.from(this.high, enc),
    };
  }
}

function broadcast(bound: number | ArrayLike<number>, size: number, name: string): Float32Array {
  if (typeof bound === "number") return new Float32Array(size).fill(bound);
  if (bound.length !== size) {
    throw new TypeError(
      `Cannot create Box space as ${name} must have ${size} elements: current value has ${bound.length}`,
    );
  }
  return Float32Array.from(bound);
}
