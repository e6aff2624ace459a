import type { Rng } from "./rng.ts";

/** Options of {@linkcode orthogonalInit}. */
export interface OrthogonalInitOptions {
  /** Scale of the result. @default {1} */
  readonly gain?: number;
}

/**
 * Draws a `[rows, cols]` (row-major) matrix with orthonormal rows or columns, times `gain`, as
 * `torch.nn.init.orthogonal_`: fill a `rows x cols` matrix with standard normals in row-major order,
 * transpose it if it is wide, take its QR decomposition with the signs fixed so that R has a positive
 * diagonal, and transpose Q back.
 *
 * A tall or square result (`rows >= cols`, e.g. a layer widening its input) has `W^T W = gain^2 I`; a wide one
 * has `W W^T = gain^2 I`. The QR is modified Gram-Schmidt in float64, whose Q is the positive-diagonal one.
 *
 * @param shape `[rows, cols]`; for a dense weight that is `[outDim, inDim]`.
 * @param rng The seeded generator to draw from.
 * @param options The gain.
 * @returns `rows * cols` values, row-major.
 *
 * @example
 * ```ts
 * import { orthogonalInit } from "./orthogonal_init.ts";
 * import { Rng } from "./rng.ts";
 * import assert from "node:assert/strict";
 *
 * const w = orthogonalInit([2, 2], new Rng(0), { gain: 2 });
 * const dot = w[0]! * w[2]! + w[1]! * w[3]!; // columns are orthogonal
 * assert.ok(Math.abs(dot) < 1e-12);
 * assert.ok(Math.abs(w[0]! ** 2 + w[2]! ** 2 - 4) < 1e-12); // and have norm gain
 * ```
 */
export function orthogonalInit(
  shape: readonly [number, number],
  rng: Rng,
  options: OrthogonalInitOptions = {},
): Float64Array {
  const [rows, cols] = shape;
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 1 || cols < 1) {
    throw new RangeError(
      `Cannot run orthogonalInit as the shape must be two positive integers: current value is [${rows}, ${cols}]`,
    );
  }
  const gain = options.gain ?? 1;
  const drawn = new Float64Array(rows * cols);
  for (let i = 0; i < drawn.length; i++) drawn[i] = rng.normal();
  // Work on the tall matrix A (long x short), storing each of its columns contiguously: column j at j * long.
  const long = Math.max(rows, cols);
  const short = Math.min(rows, cols);
  const columns = new Float64Array(long * short);
  if (rows >= cols) {
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) columns[j * long + i] = drawn[i * cols + j]!;
    }
  } else {
    columns.set(drawn); // A is the transpose of the drawn matrix, so its columns are the drawn rows.
  }
  for (let j = 0; j < short; j++) {
    const q = j * long;
    let squares = 0;
    for (let i = 0; i < long; i++) squares += columns[q + i]! ** 2;
    const norm = Math.sqrt(squares);
    if (!(norm > 0)) {
      throw new RangeError(
        `Cannot run orthogonalInit as the drawn matrix is singular: current column is ${j}`,
      );
    }
    for (let i = 0; i < long; i++) columns[q + i] = columns[q + i]! / norm;
    for (let k = j + 1; k < short; k++) {
      const c = k * long;
      // Four partial sums: a single accumulator's add latency would dominate the O(n^3) loop.
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let i = 0;
      for (; i + 3 < long; i += 4) {
        s0 += columns[q + i]! * columns[c + i]!;
        s1 += columns[q + i + 1]! * columns[c + i + 1]!;
        s2 += columns[q + i + 2]! * columns[c + i + 2]!;
        s3 += columns[q + i + 3]! * columns[c + i + 3]!;
      }
      for (; i < long; i++) s0 += columns[q + i]! * columns[c + i]!;
      const dot = (s0 + s1) + (s2 + s3);
      for (let i = 0; i < long; i++) columns[c + i] = columns[c + i]! - dot * columns[q + i]!;
    }
  }
  const out = new Float64Array(rows * cols);
  if (rows >= cols) {
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) out[i * cols + j] = gain * columns[j * long + i]!;
    }
  } else {
    for (let i = 0; i < out.length; i++) out[i] = gain * columns[i]!;
  }
  return out;
}
