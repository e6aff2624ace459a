import assert from "node:assert/strict";
import { orthogonalInit } from "../../src/core/orthogonal_init.ts";
import { Rng } from "../../src/core/rng.ts";

/** Largest |(A A^T)_ij - target_ij| over rows of a row-major [rows, cols] matrix, target = gain^2 I. */
function rowGramError(w: Float64Array, rows: number, cols: number, gain: number): number {
  let worst = 0;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < rows; j++) {
      let dot = 0;
      for (let k = 0; k < cols; k++) dot += w[i * cols + k]! * w[j * cols + k]!;
      worst = Math.max(worst, Math.abs(dot - (i === j ? gain * gain : 0)));
    }
  }
  return worst;
}

function transpose(w: Float64Array, rows: number, cols: number): Float64Array {
  const t = new Float64Array(w.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = w[i * cols + j]!;
  return t;
}

Deno.test("orthogonalInit() gives a square matrix W W^T = W^T W = gain^2 I", () => {
  const w = orthogonalInit([64, 64], new Rng(20), { gain: Math.SQRT2 });
  assert.ok(rowGramError(w, 64, 64, Math.SQRT2) < 1e-12);
  assert.ok(rowGramError(transpose(w, 64, 64), 64, 64, Math.SQRT2) < 1e-12);
});

Deno.test("orthogonalInit() gives a tall [out, in] weight orthonormal columns: W^T W = gain^2 I", () => {
  const w = orthogonalInit([64, 8], new Rng(21), { gain: Math.SQRT2 });
  assert.ok(rowGramError(transpose(w, 64, 8), 8, 64, Math.SQRT2) < 1e-12);
});

Deno.test("orthogonalInit() gives a wide [out, in] weight orthonormal rows: W W^T = gain^2 I", () => {
  for (const [rows, cols, gain] of [[4, 64, 0.01], [1, 64, 1]] as const) {
    const w = orthogonalInit([rows, cols], new Rng(22), { gain });
    assert.ok(rowGramError(w, rows, cols, gain) < 1e-12 * Math.max(1, gain * gain));
  }
});

Deno.test("orthogonalInit() is deterministic per seed and the gain only scales the matrix", () => {
  const a = orthogonalInit([16, 5], new Rng(23));
  assert.deepEqual(orthogonalInit([16, 5], new Rng(23)), a);
  assert.notDeepEqual(orthogonalInit([16, 5], new Rng(24)), a);
  const scaled = orthogonalInit([16, 5], new Rng(23), { gain: 3 });
  scaled.forEach((x, i) => assert.ok(Math.abs(x - 3 * a[i]!) < 1e-15));
});

Deno.test("orthogonalInit() keeps torch's sign convention: Q = QR factor with positive diag(R) of the draws", () => {
  // For a tall draw A = Q R with diag(R) > 0, Q^T A = R is upper triangular with a positive diagonal.
  const rows = 6;
  const cols = 3;
  const draws = new Rng(25);
  const a = Float64Array.from({ length: rows * cols }, () => draws.normal());
  const q = orthogonalInit([rows, cols], new Rng(25));
  for (let i = 0; i < cols; i++) {
    for (let j = 0; j < cols; j++) {
      let r = 0;
      for (let k = 0; k < rows; k++) r += q[k * cols + i]! * a[k * cols + j]!;
      if (i === j) assert.ok(r > 0, `R[${i}][${i}] = ${r}`);
      if (i > j) assert.ok(Math.abs(r) < 1e-12, `R[${i}][${j}] = ${r}`);
    }
  }
});

Deno.test("orthogonalInit() rejects a shape that is not two positive integers with a RangeError", () => {
  assert.throws(() => orthogonalInit([0, 3], new Rng(1)), RangeError);
  assert.throws(() => orthogonalInit([2.5, 3], new Rng(1)), RangeError);
});
