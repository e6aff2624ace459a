import assert from "node:assert/strict";
import { make } from "../../src/envs/make.ts";
import { register } from "../../src/envs/register.ts";
import { Box } from "../../src/envs/box.ts";
import { Discrete } from "../../src/envs/discrete.ts";
import { CartPole } from "../../src/envs/cart_pole.ts";
import { VecEnv } from "../../src/envs/vec_env.ts";
import type { Env, StepResult } from "../../src/envs/types.ts";

Deno.test("make() rejects an unknown id with a RangeError listing the known ids", () => {
  assert.throws(
    () => make("CartPole-v9"),
    (error: unknown) => {
      assert.ok(error instanceof RangeError);
      assert.match(error.message, /^Cannot make an environment as the id must be one of /);
      for (
        const id of ["Acrobot-v1", "CartPole-v1", "MountainCar-v0", "MountainCarContinuous-v0", "Pendulum-v1"]
      ) {
        assert.ok(error.message.includes(id), `${id} is listed`);
      }
      assert.match(error.message, /current value is "CartPole-v9"$/);
      return true;
    },
  );
});

Deno.test("make() truncates at the registered limit, or at maxEpisodeSteps when given", () => {
  const countSteps = (env: Env) => {
    env.reset({ seed: 0 });
    let steps = 0;
    let result: StepResult;
    do {
      result = env.step([0]);
      steps++;
    } while (!result.truncated);
    assert.equal(result.terminated, false);
    return steps;
  };
  assert.equal(countSteps(make("Pendulum-v1")), 200);
  const short = make("Pendulum-v1", { maxEpisodeSteps: 7 });
  assert.equal(short.spec.maxEpisodeSteps, 7);
  assert.equal(countSteps(short), 7);
  assert.equal(countSteps(short), 7, "reset restarts the count");
});

Deno.test("make() rejects a maxEpisodeSteps that is not a positive integer", () => {
  assert.throws(
    () => make("CartPole-v1", { maxEpisodeSteps: 0 }),
    new RangeError(
      "Cannot make CartPole-v1 as maxEpisodeSteps must be a positive integer or Infinity: current value is 0",
    ),
  );
  assert.throws(() => make("CartPole-v1", { maxEpisodeSteps: 2.5 }), RangeError);
});

Deno.test("make() reports truncated and terminated together when the last allowed step also terminates", () => {
  const env = make("CartPole-v1", { maxEpisodeSteps: 1 });
  env.reset({ state: [2.39, 1, 0, 0] });
  const step = env.step(1);
  assert.equal(step.terminated, true);
  assert.equal(step.truncated, true);
});

Deno.test("register() adds an id that make() builds, passing envOptions to the factory", () => {
  let received: unknown = null;
  register("TestCartPole-v0", (envOptions) => {
    received = envOptions;
    return new CartPole();
  }, { maxEpisodeSteps: 3, rewardThreshold: 2 });
  const env = make("TestCartPole-v0", { envOptions: { flavour: "plain" } });
  assert.deepEqual(received, { flavour: "plain" });
  assert.deepEqual(env.spec, { id: "TestCartPole-v0", maxEpisodeSteps: 3, rewardThreshold: 2 });
  env.reset({ seed: 0 });
  assert.deepEqual([env.step(0).truncated, env.step(0).truncated, env.step(0).truncated], [
    false,
    false,
    true,
  ]);
  assert.throws(
    () => register("TestCartPole-v0", () => new CartPole(), { maxEpisodeSteps: 3, rewardThreshold: null }),
    /Cannot register TestCartPole-v0 as the id is already registered/,
  );
  assert.throws(
    () => register("TestBad-v0", () => new CartPole(), { maxEpisodeSteps: -1, rewardThreshold: null }),
    {
      name: "RangeError",
    },
  );
});

/** A plain `Env` that does not extend BufferedEnv: the observation counts the steps. */
class Counter implements Env {
  readonly observationSpace = new Box(0, 100, [1]);
  readonly actionSpace = new Discrete(2);
  readonly spec = { id: "TestCounter-v0", maxEpisodeSteps: 100, rewardThreshold: null };
  #count = 0;
  reset() {
    this.#count = 0;
    return { obs: Float32Array.of(0), info: {} };
  }
  step(action: number | ArrayLike<number>) {
    this.#count += 1;
    return {
      obs: Float32Array.of(this.#count),
      reward: Number(action),
      terminated: this.#count === 4,
      truncated: false,
      info: {},
    };
  }
}

Deno.test("make() runs a registered plain Env through an adapter", () => {
  register("TestCounter-v0", () => new Counter(), { maxEpisodeSteps: 10, rewardThreshold: null });
  const env = make("TestCounter-v0");
  assert.deepEqual([...env.reset().obs], [0]);
  const steps = [1, 0, 1, 1].map((a) => env.step(a));
  assert.deepEqual(steps.map((s) => s.obs[0]), [1, 2, 3, 4]);
  assert.deepEqual(steps.map((s) => s.reward), [1, 0, 1, 1]);
  assert.deepEqual(steps.map((s) => s.terminated), [false, false, false, true]);
  assert.throws(() => env.step(2), RangeError, "the adapter validates actions too");
  const envs = new VecEnv("TestCounter-v0", 2);
  assert.deepEqual([...envs.reset().obs], [0, 0]);
  let result = envs.step(new Float32Array([1, 0]));
  for (let t = 1; t < 4; t++) result = envs.step(new Float32Array([1, 0]));
  assert.deepEqual([...result.finalObs], [4, 4]);
  assert.deepEqual([...result.obs], [0, 0]);
  assert.deepEqual(result.episodes, [
    { env: 0, return: 4, length: 4, truncated: false },
    { env: 1, return: 0, length: 4, truncated: false },
  ]);
});
