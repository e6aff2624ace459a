import assert from "node:assert/strict";
import { denseBackward } from "../../src/core/dense_backward.ts";
import { denseForward } from "../../src/core/dense_forward.ts";
import { Rng } from "../../src/core/rng.ts";
import { assertGradientsClose, centralDifferences, normals, range } from "./gradient_check.ts";

Deno.test("denseForward() computes x W^T + b for every row with weights laid out [out, in]", () => {
  // W = [[1, 2, 3], [-1, 0, 1]], b = [0.5, -0.5]; rows x = [1, 1, 1] and [2, 0, -1].
  const layer = { weight: [1, 2, 3, -1, 0, 1], bias: [0.5, -0.5], inDim: 3, outDim: 2 };
  const y = denseForward([1, 1, 1, 2, 0, -1], layer);
  assert.deepEqual(Array.from(y), [6.5, -0.5, -0.5, -3.5]);
});

Deno.test("denseForward() gives a row the same bits whatever batch it is computed in", () => {
  const rng = new Rng(3);
  const inDim = 37;
  const outDim = 11;
  const layer = {
    weight: normals(outDim * inDim, () => rng.normal()),
    bias: normals(outDim, () => rng.normal()),
    inDim,
    outDim,
  };
  const batch = 45; // more than one row tile, and not a multiple of 4
  const input = normals(batch * inDim, () => rng.normal());
  const all = denseForward(input, layer);
  for (const row of [0, 3, 33, 44]) {
    const alone = denseForward(input.subarray(row * inDim, (row + 1) * inDim), layer);
    assert.deepEqual(Array.from(alone), Array.from(all.subarray(row * outDim, (row + 1) * outDim)));
  }
});

Deno.test("denseBackward() matches central differences for input, weight and bias", () => {
  const rng = new Rng(4);
  const inDim = 5;
  const outDim = 4;
  const batch = 37;
  const weight = normals(outDim * inDim, () => rng.normal());
  const bias = normals(outDim, () => rng.normal());
  const input = normals(batch * inDim, () => rng.normal());
  const gradOutput = normals(batch * outDim, () => rng.normal());
  const layer = { weight, bias, inDim, outDim };
  // L = sum(gradOutput * y) has dL/dy = gradOutput.
  const loss = () => denseForward(input, layer).reduce((sum, y, i) => sum + y * gradOutput[i]!, 0);
  const grads = denseBackward(input, gradOutput, { layer });
  assertGradientsClose(grads.gradInput!, centralDifferences(loss, input, range(input.length)), "gradInput");
  assertGradientsClose(
    grads.gradWeight,
    centralDifferences(loss, weight, range(weight.length)),
    "gradWeight",
  );
  assertGradientsClose(grads.gradBias, centralDifferences(loss, bias, range(bias.length)), "gradBias");
});

Deno.test("denseBackward() overwrites given buffers unless asked to accumulate", () => {
  const layer = { weight: [2, 3], bias: [0], inDim: 2, outDim: 1 };
  const gradInput = new Float64Array([10, 10]);
  const gradWeight = new Float64Array([10, 10]);
  const gradBias = new Float64Array([10]);
  denseBackward([1, -1], [0.5], { layer, gradInput, gradWeight, gradBias });
  assert.deepEqual([...gradInput, ...gradWeight, ...gradBias], [1, 1.5, 0.5, -0.5, 0.5]);
  denseBackward([1, -1], [0.5], { layer, gradInput, gradWeight, gradBias, accumulate: true });
  assert.deepEqual([...gradInput, ...gradWeight, ...gradBias], [2, 3, 1, -1, 1]);
  assert.equal(denseBackward([1, -1], [0.5], { layer, computeGradInput: false }).gradInput, null);
});

Deno.test("denseForward() and denseBackward() reject arrays of the wrong shape with a TypeError", () => {
  const layer = { weight: [1, 2, 3, 4], bias: [0, 0], inDim: 2, outDim: 2 };
  assert.throws(() => denseForward([1, 2, 3], layer), TypeError);
  assert.throws(() => denseForward([1, 2], { ...layer, bias: [0] }), TypeError);
  assert.throws(() => denseForward([1, 2], layer, { out: new Float64Array(3) }), TypeError);
  assert.throws(() => denseBackward([1, 2], [1], { layer }), TypeError);
});
