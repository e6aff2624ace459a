import assert from "node:assert/strict";
import { make } from "../../src/envs/make.ts";
import type { StepResult } from "../../src/envs/types.ts";

function sameStep(actual: StepResult, expected: StepResult): void {
  assert.deepEqual([...actual.obs], [...expected.obs]);
  assert.equal(actual.reward, expected.reward);
  assert.equal(actual.terminated, expected.terminated);
}

Deno.test("a non-integer or out-of-range discrete action throws a RangeError and leaves the env usable", () => {
  const env = make("CartPole-v1");
  const reference = make("CartPole-v1");
  env.reset({ seed: 5 });
  reference.reset({ seed: 5 });
  assert.throws(
    () => env.step(2.5),
    new RangeError(
      "Cannot step CartPole-v1 as the action must be an integer in [0, 2): current value is 2.5",
    ),
  );
  assert.throws(
    () => env.step(2),
    new RangeError("Cannot step CartPole-v1 as the action must be an integer in [0, 2): current value is 2"),
  );
  assert.throws(() => env.step(-1), RangeError);
  assert.throws(() => env.step(NaN), RangeError);
  assert.throws(
    () => env.step([1]),
    new TypeError("Cannot step CartPole-v1 as the action must be a number: current value is [1]"),
  );
  sameStep(env.step(1), reference.step(1));
  sameStep(env.step(0), reference.step(0));
});

Deno.test("a continuous action of the wrong shape throws a TypeError, a NaN one a RangeError", () => {
  const env = make("Pendulum-v1");
  const reference = make("Pendulum-v1");
  env.reset({ seed: 9 });
  reference.reset({ seed: 9 });
  assert.throws(
    () => env.step([0.5, 0.5]),
    new TypeError("Cannot step Pendulum-v1 as the action must hold 1 numbers: current value has 2"),
  );
  assert.throws(
    () => env.step(0.5),
    new TypeError(
      "Cannot step Pendulum-v1 as the action must be an array of 1 numbers: current value is 0.5",
    ),
  );
  assert.throws(
    () => env.step([NaN]),
    new RangeError("Cannot step Pendulum-v1 as the action must hold finite numbers: current value is [NaN]"),
  );
  assert.throws(() => env.step(new Float32Array([Infinity])), RangeError);
  sameStep(env.step([0.5]), reference.step([0.5]));
  assert.equal(env.step([0]).truncated, false);
});

Deno.test("continuous actions outside the bounds are accepted: Pendulum clips the torque in the cost too", () => {
  const env = make("Pendulum-v1");
  env.reset({ state: [1, 0.5] });
  const clipped = env.step([10]);
  env.reset({ state: [1, 0.5] });
  const atBound = env.step([2]);
  sameStep(clipped, atBound);
});

Deno.test("MountainCarContinuous clips the force but charges the action as given", () => {
  const env = make("MountainCarContinuous-v0");
  env.reset({ state: [-0.5, 0] });
  const big = env.step([3]);
  env.reset({ state: [-0.5, 0] });
  const atBound = env.step([1]);
  assert.deepEqual([...big.obs], [...atBound.obs]);
  assert.ok(Math.abs(big.reward - -0.9) < 1e-12, `reward ${big.reward} charges 0.1 x 3^2`);
  assert.ok(Math.abs(atBound.reward - -0.1) < 1e-12);
});

Deno.test("step() before reset() throws for every built-in environment", () => {
  const cases: [string, number | number[]][] = [
    ["CartPole-v1", 0],
    ["Acrobot-v1", 0],
    ["MountainCar-v0", 0],
    ["MountainCarContinuous-v0", [0]],
    ["Pendulum-v1", [0]],
  ];
  for (const [id, action] of cases) {
    const env = make(id);
    assert.throws(
      () => env.step(action),
      new Error(`Cannot step ${id} as it has not been reset: call reset() first`),
    );
    env.reset({ seed: 0 });
    assert.doesNotThrow(() => env.step(action));
  }
});

Deno.test("reset() rejects a state of the wrong length or with non-finite values and keeps the old state", () => {
  const env = make("CartPole-v1");
  const reference = make("CartPole-v1");
  env.reset({ state: [0, 0, 0.01, 0] });
  reference.reset({ state: [0, 0, 0.01, 0] });
  assert.throws(
    () => env.reset({ state: [0, 0, 0] }),
    new TypeError("Cannot reset CartPole-v1 as state must hold 4 numbers: current value has 3"),
  );
  assert.throws(
    () => env.reset({ state: [0, NaN, 0, 0] }),
    new RangeError(
      "Cannot reset CartPole-v1 as state must hold finite numbers: current value is [0, NaN, 0, 0]",
    ),
  );
  assert.throws(() => env.reset({ state: [0, 0, Infinity, 0] }), RangeError);
  assert.throws(
    () => env.reset({ seed: NaN }),
    new RangeError("Cannot reset CartPole-v1 as seed must be a finite number: current value is NaN"),
  );
  assert.throws(() => make("Pendulum-v1").reset({ state: [0, 0, 0] }), TypeError);
  sameStep(env.step(1), reference.step(1));
});
