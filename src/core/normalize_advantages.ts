/** Options of {@linkcode normalizeAdvantages}. */
export interface NormalizeAdvantagesOptions {
  /** Buffer to write into; may be the input itself. @default {a new Float64Array} */
  readonly out?: Float64Array;
}

/**
 * Normalises a minibatch's advantages as CleanRL does: `(a - mean) / (std + 1e-8)` with PyTorch's default
 * unbiased standard deviation (divisor `n - 1`).
 *
 * @param advantages The minibatch's raw advantages (at least 2, since one value has no unbiased std).
 * @param options Optional output buffer.
 * @returns The normalised advantages.
 *
 * @example
 * ```ts
 * import { normalizeAdvantages } from "./normalize_advantages.ts";
 * import assert from "node:assert/strict";
 *
 * // mean 2, unbiased std 1.
 * const out = normalizeAdvantages([1, 2, 3]);
 * assert.deepEqual(Array.from(out, (x) => Math.round(x * 1e6) / 1e6), [-1, 0, 1]);
 * ```
 */
export function normalizeAdvantages(
  advantages: ArrayLike<number>,
  options: NormalizeAdvantagesOptions = {},
): Float64Array {
  const n = advantages.length;
  if (n < 2) {
    throw new RangeError(
      `Cannot normalize advantages as the unbiased std needs at least 2 values: current length is ${n}`,
    );
  }
  const out = options.out ?? new Float64Array(n);
  if (out.length !== n) {
    throw new TypeError(
      `Cannot normalize advantages as out must have length ${n}: current length is ${out.length}`,
    );
  }
  let sum = 0;
  for (let i = 0; i < n; i++) sum += advantages[i]!;
  const mean = sum / n;
  let squares = 0;
  for (let i = 0; i < n; i++) {
    const d = advantages[i]! - mean;
    squares += d * d;
  }
  const denominator = Math.sqrt(squares / (n - 1)) + 1e-8;
  for (let i = 0; i < n; i++) out[i] = (advantages[i]! - mean) / denominator;
  return out;
}
