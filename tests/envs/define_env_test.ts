import assert from "node:assert/strict";
import { Box } from "../../src/envs/box.ts";
import { Discrete } from "../../src/envs/discrete.ts";
import { defineEnv } from "../../src/envs/define_env.ts";
import { make } from "../../src/envs/make.ts";
import { VecEnv } from "../../src/envs/vec_env.ts";

/** A 1-D walk: start at a random cell in [0, 3), move by the action, reward 1 on reaching cell 5. */
const walk = defineEnv({
  id: "TestWalk-v0",
  observationSpace: new Box(0, 5, [1]),
  actionSpace: new Box(-1, 1, [1]),
  maxEpisodeSteps: 20,
  rewardThreshold: 1,
  reset: (rng) => {
    const state = { cell: rng.integer(3) };
    return { state, obs: [state.cell] };
  },
  step(state, action) {
    state.cell = Math.min(5, Math.max(0, state.cell + Math.round(action[0]!)));
    return { state, obs: [state.cell], reward: state.cell === 5 ? 1 : 0, terminated: state.cell === 5 };
  },
});

Deno.test("defineEnv() definitions run in make() with their spec, time limit and seeded resets", () => {
  const env = make(walk);
  assert.deepEqual(env.spec, { id: "TestWalk-v0", maxEpisodeSteps: 20, rewardThreshold: 1 });
  const start = env.reset({ seed: 1 }).obs[0]!;
  assert.equal(make(walk).reset({ seed: 1 }).obs[0], start);
  let step = env.step([-1]);
  for (let t = 1; t < 20; t++) step = env.step([-1]);
  assert.deepEqual([step.obs[0], step.terminated, step.truncated], [0, false, true]);
  env.reset({ seed: 1 });
  const rewards = [];
  do {
    step = env.step(Float32Array.of(1));
    rewards.push(step.reward);
  } while (!step.terminated);
  assert.equal(rewards.length, 5 - start);
  assert.deepEqual([step.obs[0], step.reward, step.truncated], [5, 1, false]);
});

Deno.test("defineEnv() copies in a VecEnv keep independent state", () => {
  const vec = new VecEnv(walk, 3, { seed: 0 });
  const starts = [...vec.reset().obs];
  const result = vec.step(new Float32Array([1, 0, -1]));
  assert.deepEqual([...result.obs], [
    Math.min(5, starts[0]! + 1),
    starts[1]!,
    Math.max(0, starts[2]! - 1),
  ]);
  let episodes = 0;
  for (let t = 0; t < 10; t++) episodes += vec.step(new Float32Array([1, 1, 1])).episodes.length;
  assert.ok(episodes >= 3, "every copy reaches cell 5 within 6 steps and autoresets");
});

Deno.test("defineEnv() works with a Discrete action space and plain-number state", () => {
  const corridor = defineEnv({
    observationSpace: new Box(0, 3, [1]),
    actionSpace: new Discrete(2),
    reset: () => ({ state: 0, obs: [0] }),
    step(cell: number, action) {
      const next = Math.max(0, cell + (action === 1 ? 1 : -1));
      return { state: next, obs: [next], reward: -1, terminated: next === 3 };
    },
  });
  assert.deepEqual(corridor.spec, { id: "CustomEnv", maxEpisodeSteps: Infinity, rewardThreshold: null });
  const env = make(corridor);
  env.reset();
  assert.deepEqual([1, 0, 1, 1, 1].map((a) => env.step(a).obs[0]), [1, 0, 1, 2, 3]);
  assert.throws(() => env.step(1.5), /Cannot step CustomEnv as the action must be an integer in \[0, 2\)/);
});

Deno.test("defineEnv() rejects bad definitions and a step() returning the wrong observation size", () => {
  assert.throws(
    () =>
      defineEnv({
        observationSpace: new Box(0, 1, [2]),
        actionSpace: new Discrete(2),
        maxEpisodeSteps: 0,
        reset: () => ({ state: null, obs: [0, 0] }),
        step: () => ({ state: null, obs: [0], reward: 0, terminated: false }),
      }),
    new RangeError(
      "Cannot define CustomEnv as maxEpisodeSteps must be a positive integer or Infinity: current value is 0",
    ),
  );
  const broken = defineEnv({
    id: "TestBroken-v0",
    observationSpace: new Box(0, 1, [2]),
    actionSpace: new Discrete(2),
    reset: () => ({ state: null, obs: [0, 0] }),
    step: () => ({ state: null, obs: [0], reward: 0, terminated: false }),
  });
  const env = make(broken);
  env.reset();
  assert.throws(
    () => env.step(0),
    new TypeError("Cannot step TestBroken-v0 as step() must return obs of 2 numbers: current value is [0]"),
  );
});
