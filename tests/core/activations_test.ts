import assert from "node:assert/strict";
import { reluBackward } from "../../src/core/relu_backward.ts";
import { reluForward } from "../../src/core/relu_forward.ts";
import { Rng } from "../../src/core/rng.ts";
import { tanhBackward } from "../../src/core/tanh_backward.ts";
import { tanhForward } from "../../src/core/tanh_forward.ts";
import { assertGradientsClose, centralDifferences, normals, range } from "./gradient_check.ts";

Deno.test("tanhForward() and reluForward() apply the activation element-wise, also in place", () => {
  assert.deepEqual(Array.from(tanhForward([0, 1])), [0, Math.tanh(1)]);
  const x = new Float64Array([-2, 0, 3]);
  assert.equal(reluForward(x, { out: x }), x);
  assert.deepEqual(Array.from(x), [0, 0, 3]);
});

Deno.test("tanhBackward() matches central differences of sum(g * tanh(x))", () => {
  const rng = new Rng(5);
  const x = normals(50, () => rng.normal(), 2);
  const g = normals(50, () => rng.normal());
  const loss = () => tanhForward(x).reduce((sum, y, i) => sum + y * g[i]!, 0);
  assertGradientsClose(tanhBackward(tanhForward(x), g), centralDifferences(loss, x, range(x.length)), "tanh");
});

Deno.test("reluBackward() matches central differences of sum(g * relu(x)) away from the kink", () => {
  const rng = new Rng(6);
  // Keep every input at least 0.1 from 0, where ReLU is not differentiable.
  const x = Float64Array.from({ length: 50 }, () => {
    const v = rng.normal();
    return v + Math.sign(v) * 0.1;
  });
  const g = normals(50, () => rng.normal());
  const loss = () => reluForward(x).reduce((sum, y, i) => sum + y * g[i]!, 0);
  assertGradientsClose(reluBackward(reluForward(x), g), centralDifferences(loss, x, range(x.length)), "relu");
});

Deno.test("reluBackward() passes no gradient at exactly zero, as PyTorch", () => {
  assert.deepEqual(Array.from(reluBackward(reluForward([0, -1, 1]), [7, 7, 7])), [0, 0, 7]);
});

Deno.test("activation backward passes reject a gradient of the wrong length with a TypeError", () => {
  assert.throws(() => tanhBackward([0, 0], [1]), TypeError);
  assert.throws(() => reluBackward([0, 0], [1, 2, 3]), TypeError);
});
