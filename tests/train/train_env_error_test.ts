import assert from "node:assert/strict";
import { train } from "../../src/train/train.ts";
import { Box } from "../../src/envs/box.ts";
import { Discrete } from "../../src/envs/discrete.ts";
import { defineEnv } from "../../src/envs/define_env.ts";
import { EnvError } from "../../src/envs/env_error.ts";

Deno.test("train() rejects done and errors every stream when a user env throws, naming env, index and global step", async () => {
  const boom = new Error("the simulator crashed");
  let created = 0;
  // Env 1 of 2 throws at its 40th step: 39 vector steps of 2 envs have run, in the third 32-step iteration.
  const crashing = defineEnv({
    id: "Crashing-v0",
    observationSpace: new Box(-1, 1, [2]),
    actionSpace: new Discrete(2),
    reset: () => ({ state: { index: created++, t: 0 }, obs: [0, 0] }),
    step: (state: { index: number; t: number }) => {
      if (++state.t === 40 && state.index === 1) throw boom;
      return { state, obs: [0, state.t / 100], reward: 1, terminated: false };
    },
  });
  const run = await train(
    {
      numEnvs: 2,
      numSteps: 16,
      numMinibatches: 2,
      updateEpochs: 1,
      totalTimesteps: 32 * 4,
      engine: "reference",
    },
    { env: crashing, writeFiles: false },
  );
  const iterations: number[] = [];
  let streamError: unknown;
  run.iterations$.subscribe({ next: (m) => iterations.push(m.iteration), error: (e) => streamError = e });
  const error = await run.done.then(() => assert.fail("done resolved"), (e: unknown) => e);
  assert.ok(error instanceof EnvError);
  assert.equal(error.message, "Cannot step env 1 of Crashing-v0 at global step 78: the simulator crashed");
  assert.equal(error.cause, boom);
  assert.equal(streamError, error);
  assert.deepEqual(iterations, [1, 2]);
});
