import assert from "node:assert/strict";
import { train } from "../../src/train/train.ts";

// CartPole-v1 with its preset on seed 1, shortened to 25k steps (about 15 s on the reference engine): a random
// policy averages about 22, and this run measured 218.4 when the test was written.
Deno.test("train() learns CartPole-v1 on a fixed seed: the 100-episode mean return exceeds 150 within 25k steps", async () => {
  const run = await train({ envId: "CartPole-v1", seed: 1, totalTimesteps: 25_000, backend: "reference" }, {
    writeFiles: false,
  });
  const summary = await run.done;
  assert.ok(
    summary.meanReturn100 !== null && summary.meanReturn100 > 150,
    `mean return ${summary.meanReturn100}`,
  );
});
