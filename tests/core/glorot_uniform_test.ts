import assert from "node:assert/strict";
import { glorotUniform } from "../../src/core/glorot_uniform.ts";
import { Rng } from "../../src/core/rng.ts";
import { moments } from "./_moments.ts";

Deno.test("glorotUniform() draws from U(-limit, limit) with limit sqrt(6 / (fanIn + fanOut)), as Keras' default", () => {
  for (const [rows, cols] of [[256, 128], [64, 300]] as const) {
    const w = glorotUniform([rows, cols], new Rng(rows));
    assert.equal(w.length, rows * cols);
    const limit = Math.sqrt(6 / (rows + cols));
    const { mean, variance, max } = moments(w);
    assert.ok(max <= limit, `max ${max} within ${limit}`);
    assert.ok(max > 0.999 * limit, `max ${max} reaches ${limit}`);
    assert.ok(Math.abs(mean) < 0.01 * limit, `mean ${mean}`);
    // The variance of U(-l, l) is l^2 / 3 = 2 / (fanIn + fanOut); 2% is over 5 standard errors here.
    const expected = 2 / (rows + cols);
    assert.ok(Math.abs(variance / expected - 1) < 0.02, `variance ${variance} vs ${expected}`);
  }
});

Deno.test("glorotUniform() gives the same matrix for the same seed and another for another seed", () => {
  assert.deepEqual(glorotUniform([8, 4], new Rng(1)), glorotUniform([8, 4], new Rng(1)));
  assert.notDeepEqual(glorotUniform([8, 4], new Rng(1)), glorotUniform([8, 4], new Rng(2)));
});

Deno.test("glorotUniform() refuses a shape that is not two positive integers", () => {
  assert.throws(
    () => glorotUniform([0, 3], new Rng(1)),
    (error: Error) =>
      error instanceof RangeError &&
      error.message ===
        "Cannot run glorotUniform as the shape must be two positive integers: current value is [0, 3]",
  );
});
