/**
 * Finite-difference helpers shared by the backward-pass tests in `tests/core/` and `tests/model/`.
 *
 * @module
 */
import assert from "node:assert/strict";

/**
 * Central differences `(f(x + h e_i) - f(x - h e_i)) / 2h` of `f` at the given indices of `x` (float64),
 * perturbing `x` in place and restoring it. `h` scales with `|x_i|` so large entries keep relative accuracy.
 */
export function centralDifferences(
  f: () => number,
  x: Float64Array,
  indices: readonly number[],
  h = 1e-5,
): Float64Array {
  const out = new Float64Array(indices.length);
  indices.forEach((index, k) => {
    const saved = x[index]!;
    const step = h * Math.max(1, Math.abs(saved));
    x[index] = saved + step;
    const plus = f();
    x[index] = saved - step;
    const minus = f();
    x[index] = saved;
    out[k] = (plus - minus) / (2 * step);
  });
  return out;
}

/**
 * Asserts that every analytic entry matches its numeric estimate with relative error below `tolerance`,
 * `|a - n| / max(|a|, |n|, floor)`. The floor stops entries that are zero up to rounding (whose finite
 * differences are pure noise around 1e-10) from failing a relative test; it is far below the entries that
 * matter.
 */
export function assertGradientsClose(
  analytic: ArrayLike<number>,
  numeric: ArrayLike<number>,
  label: string,
  { tolerance = 1e-6, floor = 1e-4 }: { tolerance?: number; floor?: number } = {},
): void {
  assert.equal(analytic.length, numeric.length);
  let worst = 0;
  let worstIndex = -1;
  for (let i = 0; i < analytic.length; i++) {
    const a = analytic[i]!;
    const n = numeric[i]!;
    assert.ok(Number.isFinite(a) && Number.isFinite(n), `${label}[${i}]: analytic ${a}, numeric ${n}`);
    const error = Math.abs(a - n) / Math.max(Math.abs(a), Math.abs(n), floor);
    if (error > worst) {
      worst = error;
      worstIndex = i;
    }
  }
  assert.ok(
    worst < tolerance,
    `${label}: relative error ${worst} at ${worstIndex} (analytic ${analytic[worstIndex]}, numeric ${
      numeric[worstIndex]
    })`,
  );
}

/** Indices `0 .. n - 1`. */
export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** A Float64Array of `n` standard normals times `scale`, from `normal`. */
export function normals(n: number, normal: () => number, scale = 1): Float64Array {
  return Float64Array.from({ length: n }, () => normal() * scale);
}
