import assert from "node:assert/strict";
import { RunningMeanStd } from "../../src/core/running_mean_std.ts";
import { Rng } from "../../src/core/rng.ts";

Deno.test("RunningMeanStd merged batch by batch equals the statistics of all samples at once", () => {
  const rng = new Rng(0);
  const dim = 3;
  const rows = 200;
  const data = Float64Array.from(
    { length: rows * dim },
    (_, i) => rng.normal() * (1 + (i % dim)) + (i % dim),
  );
  const incremental = new RunningMeanStd(dim, 0);
  for (let r = 0; r < rows; r += 8) incremental.update(data.subarray(r * dim, (r + 8) * dim), 8);
  for (let d = 0; d < dim; d++) {
    let mean = 0;
    for (let r = 0; r < rows; r++) mean += data[r * dim + d]! / rows;
    let variance = 0;
    for (let r = 0; r < rows; r++) variance += (data[r * dim + d]! - mean) ** 2 / rows;
    assert.ok(Math.abs(incremental.mean[d]! - mean) < 1e-10);
    assert.ok(Math.abs(incremental.var[d]! - variance) < 1e-10);
  }
});

Deno.test("RunningMeanStd state round-trips and rejects mismatched dimensions", () => {
  const rms = new RunningMeanStd(2);
  rms.update([1, 2, 3, 4], 2);
  const copy = new RunningMeanStd(2);
  copy.setState(rms.getState());
  assert.deepEqual(copy.getState(), rms.getState());
  assert.throws(() => new RunningMeanStd(3).setState(rms.getState()), TypeError);
});
