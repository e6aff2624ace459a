import assert from "node:assert/strict";
import { pytorchLinearInit } from "../../src/core/pytorch_linear_init.ts";
import { Rng } from "../../src/core/rng.ts";
import { moments } from "./_moments.ts";

Deno.test("pytorchLinearInit() draws weights from U(-1/sqrt(fanIn), 1/sqrt(fanIn)), nn.Linear's default", () => {
  const [outDim, inDim] = [200, 300];
  const { weight, bias } = pytorchLinearInit([outDim, inDim], new Rng(4));
  assert.equal(weight.length, outDim * inDim);
  assert.equal(bias.length, outDim);
  const bound = 1 / Math.sqrt(inDim);
  const { mean, variance, max } = moments(weight);
  assert.ok(max <= bound && max > 0.999 * bound, `max ${max} vs ${bound}`);
  assert.ok(Math.abs(mean) < 0.01 * bound, `mean ${mean}`);
  // Kaiming uniform with a = sqrt(5): gain sqrt(2 / 6), std gain / sqrt(fanIn), variance 1 / (3 fanIn).
  const expected = 1 / (3 * inDim);
  assert.ok(Math.abs(variance / expected - 1) < 0.02, `variance ${variance} vs ${expected}`);
});

Deno.test("pytorchLinearInit() draws biases from the same U(-1/sqrt(fanIn), 1/sqrt(fanIn))", () => {
  const inDim = 16;
  const { bias } = pytorchLinearInit([20_000, inDim], new Rng(5));
  const bound = 1 / Math.sqrt(inDim);
  const { mean, variance, max } = moments(bias);
  assert.ok(max <= bound && max > 0.99 * bound, `max ${max} vs ${bound}`);
  assert.ok(Math.abs(mean) < 0.02 * bound, `mean ${mean}`);
  assert.ok(Math.abs(variance / (bound * bound / 3) - 1) < 0.05, `variance ${variance}`);
});

Deno.test("pytorchLinearInit() draws the weight, then the bias, from the generator (deterministic per seed)", () => {
  const a = pytorchLinearInit([3, 2], new Rng(6));
  const b = pytorchLinearInit([3, 2], new Rng(6));
  assert.deepEqual(a, b);
  const rng = new Rng(6);
  const bound = 1 / Math.sqrt(2);
  const draws = Array.from({ length: 9 }, () => rng.uniform(-bound, bound));
  assert.deepEqual(Array.from(a.weight), draws.slice(0, 6));
  assert.deepEqual(Array.from(a.bias), draws.slice(6));
  assert.notDeepEqual(pytorchLinearInit([3, 2], new Rng(7)), a);
});

Deno.test("pytorchLinearInit() refuses a shape that is not two positive integers", () => {
  assert.throws(
    () => pytorchLinearInit([2, 1.5], new Rng(1)),
    /Cannot run pytorchLinearInit as the shape must be two positive integers: current value is \[2, 1.5\]/,
  );
});
