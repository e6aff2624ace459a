import assert from "node:assert/strict";
import { Rng } from "../../src/core/rng.ts";
import { Box } from "../../src/envs/box.ts";
import { Discrete } from "../../src/envs/discrete.ts";
import { defineEnv } from "../../src/envs/define_env.ts";
import { make } from "../../src/envs/make.ts";
import { VecEnv, type VecEnvState } from "../../src/envs/vec_env.ts";

/** Steps `envs` with seeded random actions and records everything it returns, last observations at the end. */
function trace(envs: VecEnv, steps: number, seed: number): unknown[][] {
  const rng = new Rng(seed);
  const actions = new Float32Array(envs.numEnvs * envs.actionDim);
  const out: unknown[][] = [];
  for (let t = 0; t < steps; t++) {
    for (let i = 0; i < actions.length; i++) {
      actions[i] = envs.actionSpace.kind === "discrete"
        ? rng.integer(envs.actionSpace.n)
        : rng.uniform(-1, 1);
    }
    const result = envs.step(actions);
    out.push([[...result.obs], [...result.rewards], [...result.done], structuredClone(result.episodes)]);
  }
  return out;
}

for (const id of ["CartPole-v1", "Acrobot-v1", "MountainCar-v0", "MountainCarContinuous-v0", "Pendulum-v1"]) {
  Deno.test(`VecEnv of ${id} continues exactly from a JSON round trip of getState()`, () => {
    const original = new VecEnv(id, 3, { seed: 21, maxEpisodeSteps: 30 });
    original.reset();
    const lastObs = trace(original, 45, 1).at(-1)![0];
    const snapshot = JSON.parse(JSON.stringify(original.getState())) as VecEnvState;
    const resumed = new VecEnv(id, 3, { maxEpisodeSteps: 30 });
    assert.deepEqual([...resumed.setState(snapshot).obs], lastObs);
    const expected = trace(original, 100, 2);
    assert.deepEqual(trace(resumed, 100, 2), expected);
    assert.ok(
      expected.some(([, , done]) => (done as number[]).includes(1)),
      "episodes ended after the restore",
    );
  });
}

Deno.test("a single env continues exactly after setState(), elapsed steps included", () => {
  const env = make("Pendulum-v1", { maxEpisodeSteps: 10 });
  env.reset({ seed: 3 });
  for (let t = 0; t < 7; t++) env.step([0.5]);
  const snapshot = env.getState()!;
  assert.equal(snapshot.elapsedSteps, 7);
  const copy = make("Pendulum-v1", { maxEpisodeSteps: 10 });
  copy.setState(snapshot);
  for (let t = 0; t < 3; t++) assert.deepEqual(copy.step([1]), env.step([1]));
  assert.deepEqual(copy.reset().obs, env.reset().obs, "the reset generator is restored too");
});

Deno.test("VecEnv.setState() rejects a snapshot that does not fit and leaves the VecEnv unchanged", () => {
  const envs = new VecEnv("CartPole-v1", 2, { seed: 5 });
  const reference = new VecEnv("CartPole-v1", 2, { seed: 5 });
  envs.reset();
  reference.reset();
  const other = new VecEnv("Acrobot-v1", 2, { seed: 0 });
  other.reset();
  assert.throws(
    () => envs.setState(other.getState()!),
    new TypeError(
      'Cannot restore VecEnv of CartPole-v1 as the snapshot is of another environment: current value is "Acrobot-v1"',
    ),
  );
  const three = new VecEnv("CartPole-v1", 3, { seed: 0 });
  three.reset();
  assert.throws(() => envs.setState(three.getState()!), /envs must hold numEnvs = 2 entries/);
  trace(envs, 5, 8);
  trace(reference, 5, 8);
  const elsewhere = new VecEnv("CartPole-v1", 2, { seed: 6 });
  elsewhere.reset();
  const good = elsewhere.getState()!;
  const badSecond = { ...good, envs: [good.envs[0]!, { ...good.envs[1]!, state: [0, 0, NaN, 0] }] };
  assert.throws(() => envs.setState(badSecond), RangeError);
  const badRng = {
    ...good,
    envs: [good.envs[0]!, { ...good.envs[1]!, rng: { words: [0, 0, 0, 0], spareNormal: null } }],
  };
  assert.throws(() => envs.setState(badRng as VecEnvState), RangeError);
  assert.deepEqual(trace(envs, 50, 9), trace(reference, 50, 9));
});

Deno.test("getState() is null before the first reset and for defineEnv environments", () => {
  assert.equal(new VecEnv("CartPole-v1", 2).getState(), null);
  const constant = defineEnv({
    observationSpace: new Box(0, 1, [1]),
    actionSpace: new Discrete(1),
    reset: () => ({ state: null, obs: [0] }),
    step: (state) => ({ state, obs: [0], reward: 0, terminated: false }),
  });
  const envs = new VecEnv(constant, 2, { seed: 0 });
  envs.reset();
  assert.equal(envs.getState(), null);
  const single = make(constant);
  single.reset();
  assert.equal(single.getState(), null);
  assert.throws(
    () => single.setState({ state: [], rng: new Rng(0).getState(), elapsedSteps: 0 }),
    /Cannot restore CustomEnv as it cannot save its state/,
  );
});
