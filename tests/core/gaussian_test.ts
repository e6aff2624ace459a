import assert from "node:assert/strict";
import { gaussianBackward } from "../../src/core/gaussian_backward.ts";
import { gaussianEntropy } from "../../src/core/gaussian_entropy.ts";
import { gaussianLogProb } from "../../src/core/gaussian_log_prob.ts";
import { gaussianSample } from "../../src/core/gaussian_sample.ts";
import { Rng } from "../../src/core/rng.ts";
import { assertGradientsClose, centralDifferences, normals, range } from "./gradient_check.ts";

Deno.test("gaussianLogProb() sums the per-dimension normal log-densities", () => {
  // Dim 0: N(1, 2^2) at 2 -> -(1/8) - ln 2 - 0.5 ln(2 pi); dim 1: N(0, 1) at -1 -> -0.5 - 0.5 ln(2 pi).
  const logProbs = gaussianLogProb([1, 0], [2, -1], { logStd: [Math.LN2, 0] });
  const expected = -1 / 8 - Math.LN2 - 0.5 - Math.log(2 * Math.PI);
  assert.ok(Math.abs(logProbs[0]! - expected) < 1e-14);
});

Deno.test("gaussianEntropy() is 0.5 + 0.5 ln(2 pi) + logStd summed over dimensions", () => {
  const expected = 2 * (0.5 + 0.5 * Math.log(2 * Math.PI)) + 0.3 - 0.7;
  assert.ok(Math.abs(gaussianEntropy([0.3, -0.7]) - expected) < 1e-14);
});

Deno.test("gaussianSample() returns mean + exp(logStd) * noise", () => {
  assert.deepEqual(Array.from(gaussianSample([0, 10, 1, 20], [1, 1, -2, 0], { logStd: [0, Math.log(3)] })), [
    1,
    13,
    -1,
    20,
  ]);
});

Deno.test("gaussianBackward() matches central differences for means and log-std", () => {
  const rng = new Rng(11);
  const dim = 3;
  const batch = 7;
  const means = normals(batch * dim, () => rng.normal());
  const logStd = normals(dim, () => rng.normal(), 0.5);
  const actions = normals(batch * dim, () => rng.normal(), 1.5);
  const gradLogProbs = normals(batch, () => rng.normal());
  const gradEntropy = normals(batch, () => rng.normal());
  const loss = () => {
    const logProbs = gaussianLogProb(means, actions, { logStd });
    const entropy = gaussianEntropy(logStd);
    let sum = 0;
    for (let b = 0; b < batch; b++) sum += gradLogProbs[b]! * logProbs[b]! + gradEntropy[b]! * entropy;
    return sum;
  };
  const grads = gaussianBackward(means, actions, { logStd, gradLogProbs, gradEntropy });
  assertGradientsClose(grads.gradMeans, centralDifferences(loss, means, range(means.length)), "dL/dmeans");
  assertGradientsClose(grads.gradLogStd, centralDifferences(loss, logStd, range(dim)), "dL/dlogStd");
});

Deno.test("gaussian functions reject means and actions of mismatched shapes with a TypeError", () => {
  assert.throws(() => gaussianLogProb([0, 0, 0], [0, 0, 0], { logStd: [0, 0] }), TypeError);
  assert.throws(() => gaussianLogProb([0, 0], [0], { logStd: [0, 0] }), TypeError);
  assert.throws(() => gaussianSample([0, 0], [0], { logStd: [0] }), TypeError);
});
