import assert from "node:assert/strict";
import { clipGradNorm } from "../../src/core/clip_grad_norm.ts";

Deno.test("clipGradNorm() scales by maxNorm / (norm + 1e-6) when that is below 1, as torch clip_grad_norm_", () => {
  const grads = new Float64Array([3, 4, 0, -12]); // norm 13
  const { norm, scale } = clipGradNorm(grads, 0.5);
  assert.equal(norm, 13);
  assert.equal(scale, 0.5 / (13 + 1e-6));
  assert.deepEqual(Array.from(grads), [3, 4, 0, -12].map((g) => g * scale));
});

Deno.test("clipGradNorm() leaves gradients within the limit, or with maxNorm Infinity, unchanged", () => {
  const grads = new Float64Array([0.3, 0.4]); // norm 0.5
  assert.deepEqual(clipGradNorm(grads, 1), { norm: 0.5, scale: 1 });
  assert.deepEqual(Array.from(grads), [0.3, 0.4]);
  // At exactly maxNorm the 1e-6 still scales slightly, as in PyTorch.
  assert.equal(clipGradNorm(grads, 0.5).scale, 0.5 / (0.5 + 1e-6));
  const big = new Float64Array([1e6]);
  assert.deepEqual(clipGradNorm(big, Infinity), { norm: 1e6, scale: 1 });
  assert.equal(big[0], 1e6);
});

Deno.test("clipGradNorm() rejects a non-positive maxNorm with a RangeError", () => {
  assert.throws(() => clipGradNorm(new Float64Array(1), 0), RangeError);
  assert.throws(() => clipGradNorm(new Float64Array(1), NaN), RangeError);
});
