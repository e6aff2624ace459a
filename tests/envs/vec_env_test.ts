import assert from "node:assert/strict";
import { Rng } from "../../src/core/rng.ts";
import { make } from "../../src/envs/make.ts";
import { VecEnv } from "../../src/envs/vec_env.ts";
import { Box } from "../../src/envs/box.ts";
import { Discrete } from "../../src/envs/discrete.ts";
import { defineEnv } from "../../src/envs/define_env.ts";
import { EnvError } from "../../src/envs/env_error.ts";

/** The error `f` throws. */
function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (error) {
    return error;
  }
  return assert.fail("expected an error");
}

/**
 * Steps a VecEnv and `numEnvs` single environments side by side with the same random actions, resetting the
 * single ones by hand, and checks every output of every step.
 */
function compareWithSingleEnvs(id: string, numEnvs: number, steps: number, maxEpisodeSteps?: number): number {
  const options = maxEpisodeSteps === undefined ? {} : { maxEpisodeSteps };
  const vec = new VecEnv(id, numEnvs, { seed: 100, ...options });
  const singles = Array.from({ length: numEnvs }, () => make(id, options));
  const { obs } = vec.reset();
  const expectedObs = singles.map((env, i) => env.reset({ seed: 100 + i }).obs);
  assert.deepEqual(obs, Float32Array.from(expectedObs.flatMap((o) => [...o])));
  const returns = new Array<number>(numEnvs).fill(0);
  const lengths = new Array<number>(numEnvs).fill(0);
  const rng = new Rng(3);
  const actions = new Float32Array(numEnvs * vec.actionDim);
  let finished = 0;
  for (let t = 0; t < steps; t++) {
    if (vec.actionSpace.kind === "discrete") {
      for (let i = 0; i < actions.length; i++) actions[i] = rng.integer(vec.actionSpace.n);
    } else {
      for (let i = 0; i < actions.length; i++) actions[i] = rng.uniform(-3, 3);
    }
    const result = vec.step(actions);
    const expectedEpisodes = [];
    for (let i = 0; i < numEnvs; i++) {
      const env = singles[i]!;
      const action = vec.actionSpace.kind === "discrete"
        ? actions[i]!
        : actions.subarray(i * vec.actionDim, (i + 1) * vec.actionDim);
      const step = env.step(action);
      const slot = (buffer: Float32Array) => [...buffer.subarray(i * vec.obsDim, (i + 1) * vec.obsDim)];
      assert.equal(result.rewards[i], step.reward, `step ${t}, env ${i}: reward`);
      assert.equal(result.terminated[i], step.terminated ? 1 : 0);
      assert.equal(result.truncated[i], step.truncated ? 1 : 0);
      returns[i]! += step.reward;
      lengths[i]! += 1;
      if (step.terminated || step.truncated) {
        assert.equal(result.done[i], 1);
        assert.deepEqual(slot(result.finalObs), [...step.obs], `step ${t}, env ${i}: final observation`);
        expectedEpisodes.push({ env: i, return: returns[i], length: lengths[i], truncated: step.truncated });
        returns[i] = 0;
        lengths[i] = 0;
        assert.deepEqual(
          slot(result.obs),
          [...env.reset().obs],
          `step ${t}, env ${i}: autoreset observation`,
        );
      } else {
        assert.equal(result.done[i], 0);
        assert.deepEqual(slot(result.obs), [...step.obs], `step ${t}, env ${i}: observation`);
      }
    }
    assert.deepEqual(result.episodes, expectedEpisodes);
    finished += expectedEpisodes.length;
  }
  return finished;
}

Deno.test("VecEnv equals CartPole-v1 envs stepped by hand, autoresets and episode records included", () => {
  const finished = compareWithSingleEnvs("CartPole-v1", 5, 300);
  assert.ok(finished > 20, `${finished} episodes ended`);
});

Deno.test("VecEnv equals Pendulum-v1 envs stepped by hand across time-limit truncations", () => {
  const finished = compareWithSingleEnvs("Pendulum-v1", 3, 130, 40);
  assert.equal(finished, 3 * 3);
});

Deno.test("VecEnv equals Acrobot-v1 and MountainCarContinuous-v0 envs stepped by hand", () => {
  compareWithSingleEnvs("Acrobot-v1", 2, 60, 25);
  compareWithSingleEnvs("MountainCarContinuous-v0", 2, 60, 25);
});

Deno.test("VecEnv with the same seed gives the same stream, with another seed a different one", () => {
  function run(seed: number): number[] {
    const vec = new VecEnv("CartPole-v1", 4, { seed });
    const trace = [...vec.reset().obs];
    const actions = new Float32Array(4);
    for (let t = 0; t < 60; t++) {
      actions.fill(t % 2);
      const result = vec.step(actions);
      trace.push(...result.obs, ...result.rewards, ...result.done);
    }
    return trace;
  }
  assert.deepEqual(run(11), run(11));
  assert.notDeepEqual(run(11), run(12));
  const seededAtReset = new VecEnv("CartPole-v1", 4);
  assert.deepEqual([...seededAtReset.reset({ seed: 11 }).obs], run(11).slice(0, 16));
});

Deno.test("VecEnv reuses its output buffers from step to step", () => {
  const vec = new VecEnv("MountainCar-v0", 2, { seed: 0 });
  const { obs } = vec.reset();
  const first = vec.step(new Float32Array([0, 2]));
  const second = vec.step(new Float32Array([1, 1]));
  assert.equal(second, first);
  assert.equal(second.obs, obs);
  assert.equal(second.episodes.length, 0);
  assert.equal(vec.numEnvs, 2);
  assert.equal(vec.obsDim, 2);
  assert.equal(vec.actionDim, 1);
  assert.deepEqual(vec.spec, { id: "MountainCar-v0", maxEpisodeSteps: 200, rewardThreshold: -110 });
});

Deno.test("VecEnv rejects actions of the wrong length or value before stepping any environment", () => {
  const vec = new VecEnv("CartPole-v1", 3, { seed: 4 });
  const reference = new VecEnv("CartPole-v1", 3, { seed: 4 });
  assert.throws(
    () => vec.step(new Float32Array(3)),
    new Error("Cannot step VecEnv of CartPole-v1 as it has not been reset: call reset() first"),
  );
  vec.reset();
  reference.reset();
  assert.throws(
    () => vec.step(new Float32Array(2)),
    new TypeError(
      "Cannot step VecEnv of CartPole-v1 as actions must hold numEnvs x actionDim = 3 numbers: current value has 2",
    ),
  );
  assert.throws(
    () => vec.step(new Float32Array([1, 0, 2.5])),
    new RangeError(
      "Cannot step VecEnv of CartPole-v1 as actions[2] must be an integer in [0, 2): current value is 2.5",
    ),
  );
  const continuous = new VecEnv("Pendulum-v1", 2, { seed: 0 });
  continuous.reset();
  assert.throws(() => continuous.step(new Float32Array([0, NaN])), /actions\[1\] must be a finite number/);
  assert.throws(() => continuous.step(new Float32Array(1)), TypeError);
  const actions = new Float32Array([1, 0, 1]);
  assert.deepEqual([...vec.step(actions).obs], [...reference.step(actions).obs]);
});

Deno.test("VecEnv rejects a bad numEnvs, seed or id", () => {
  assert.throws(
    () => new VecEnv("CartPole-v1", 0),
    new RangeError("Cannot create VecEnv as numEnvs must be a positive integer: current value is 0"),
  );
  assert.throws(() => new VecEnv("CartPole-v1", 2, { seed: NaN }), RangeError);
  assert.throws(() => new VecEnv("Nope-v0", 2), /the id must be one of/);
});

Deno.test("VecEnv reports an environment that throws with its index and the original error, then asks for a reset", () => {
  const boom = new Error("boom");
  let resets = 0;
  // Env 1 throws at its 3rd step; the autoreset of env 0 after its 2nd step throws on the next VecEnv.
  const fragile = (failing: "step" | "reset") =>
    defineEnv({
      id: "Fragile-v0",
      observationSpace: new Box(-1, 1, [1]),
      actionSpace: new Discrete(2),
      reset: () => {
        const index = resets++;
        if (failing === "reset" && index === 2) throw boom;
        return { state: { index, t: 0 }, obs: [0] };
      },
      step: (state: { index: number; t: number }) => {
        state.t++;
        if (failing === "step" && state.index === 1 && state.t === 3) throw boom;
        return { state, obs: [0], reward: 1, terminated: failing === "reset" && state.t === 2 };
      },
    });
  const stepping = new VecEnv(fragile("step"), 2, { seed: 0 });
  stepping.reset();
  stepping.step([0, 0]);
  stepping.step([0, 0]);
  const error = thrown(() => stepping.step([0, 0]));
  assert.ok(error instanceof EnvError);
  assert.equal(error.message, "Cannot step env 1 of Fragile-v0: boom");
  assert.equal(error.cause, boom);
  assert.throws(() => stepping.step([0, 0]), /has not been reset: call reset\(\) first/);

  resets = 0;
  const resetting = new VecEnv(fragile("reset"), 2, { seed: 0 });
  resetting.reset();
  resetting.step([0, 0]);
  const failed = thrown(() => resetting.step([0, 0]));
  assert.ok(failed instanceof EnvError);
  assert.equal(failed.message, "Cannot reset env 0 of Fragile-v0: boom");
  assert.equal(failed.cause, boom);
});

Deno.test("VecEnv refuses seeds outside [0, 2^31 - 1], where seed + i could collide", () => {
  // Near 2^53, seed + 1 and seed + 2 round to the same double: two envs would replay the same episodes.
  assert.equal(2 ** 53 - 1 + 1, 2 ** 53 - 1 + 2);
  assert.throws(
    () => new VecEnv("CartPole-v1", 3, { seed: 2 ** 53 - 1 }),
    new RangeError(
      "Cannot create VecEnv as seed must be an integer in [0, 2147483647]: current value is 9007199254740991",
    ),
  );
  assert.throws(() => new VecEnv("CartPole-v1", 3, { seed: -1 }), /seed must be an integer in/);
  assert.throws(() => new VecEnv("CartPole-v1", 3, { seed: 1.5 }), /seed must be an integer in/);
  const envs = new VecEnv("CartPole-v1", 3, { seed: 2 ** 31 - 1 });
  envs.reset();
  assert.throws(
    () => envs.reset({ seed: 2 ** 31 }),
    new RangeError(
      "Cannot reset VecEnv as seed must be an integer in [0, 2147483647]: current value is 2147483648",
    ),
  );
});
