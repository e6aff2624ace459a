import type { Rng } from "./rng.ts";

/**
 * Draws a `[rows, cols]` (row-major) weight from `U(-limit, limit)` with `limit = sqrt(6 / (fanIn + fanOut))`,
 * Keras' default kernel initialiser (`glorot_uniform`, also called Xavier uniform); Keras starts biases at 0.
 *
 * For a dense weight `[outDim, inDim]`, fanIn is `cols` and fanOut `rows`; the limit is symmetric in them, so
 * Keras' `[in, out]` kernels draw from the same distribution. The variance is `2 / (fanIn + fanOut)`.
 *
 * @param shape `[rows, cols]`; for a dense weight that is `[outDim, inDim]`.
 * @param rng The seeded generator to draw from, one uniform per value in row-major order.
 * @returns `rows * cols` values, row-major.
 *
 * @example
 * ```ts
 * import { glorotUniform } from "./glorot_uniform.ts";
 * import { Rng } from "./rng.ts";
 * import assert from "node:assert/strict";
 *
 * const w = glorotUniform([4, 2], new Rng(0));
 * assert.ok(w.every((x) => Math.abs(x) <= 1)); // limit sqrt(6 / 6) = 1
 * ```
 */
export function glorotUniform(shape: readonly [number, number], rng: Rng): Float64Array {
  const [rows, cols] = shape;
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 1 || cols < 1) {
    throw new RangeError(
      `Cannot run glorotUniform as the shape must be two positive integers: current value is [${rows}, ${cols}]`,
    );
  }
  const limit = Math.sqrt(6 / (rows + cols));
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < out.length; i++) out[i] = rng.uniform(-limit, limit);
  return out;
}
