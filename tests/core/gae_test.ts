import assert from "node:assert/strict";
import { gae } from "../../src/core/gae.ts";

function close(actual: ArrayLike<number>, expected: number[], tolerance = 1e-6): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i]! - expected[i]!) <= tolerance, `index ${i}: ${actual[i]} vs ${expected[i]}`);
  }
}

Deno.test("gae() matches a hand-computed example with a truncation and a termination", () => {
  // Two envs, four steps, gamma 0.9, lambda 0.8 (gamma * lambda = 0.72).
  // env 0: truncated at t=1 (final value 2), then terminated at t=3.
  // env 1: runs through; the rollout end bootstraps from nextValues[1] = 3.
  const input = {
    numSteps: 4,
    numEnvs: 2,
    rewards: [1, 0, 1, 0, 1, 1, 1, 2],
    values: [0.5, 1, 0.25, 1, 0.5, 0.5, 1, 2],
    terminated: [0, 0, 0, 0, 0, 0, 1, 0],
    truncated: [0, 0, 1, 0, 0, 0, 0, 0],
    finalValues: [0, 0, 2, 0, 0, 0, 0, 0],
    nextValues: [100, 3],
  };
  const { advantages, returns } = gae(input, { gamma: 0.9, gaeLambda: 0.8 });
  // env 0, backwards:
  //   t=3 terminated: delta = 1 - 1 = 0 -> A = 0
  //   t=2: delta = 1 + 0.9 * 1 - 0.5 = 1.4; A = 1.4 + 0.72 * 0 = 1.4
  //   t=1 truncated: delta = 1 + 0.9 * 2 - 0.25 = 2.55; chain cut -> A = 2.55
  //   t=0: delta = 1 + 0.9 * 0.25 - 0.5 = 0.725; A = 0.725 + 0.72 * 2.55 = 2.561
  // env 1 (values 1, 1, 0.5, 2; rewards 0, 0, 1, 2), backwards:
  //   t=3: delta = 2 + 0.9 * 3 - 2 = 2.7 -> A = 2.7
  //   t=2: delta = 1 + 0.9 * 2 - 0.5 = 2.3; A = 2.3 + 0.72 * 2.7 = 4.244
  //   t=1: delta = 0 + 0.9 * 0.5 - 1 = -0.55; A = -0.55 + 0.72 * 4.244 = 2.50568
  //   t=0: delta = 0 + 0.9 * 1 - 1 = -0.1; A = -0.1 + 0.72 * 2.50568 = 1.7040896
  close(advantages, [2.561, 1.7040896, 2.55, 2.50568, 1.4, 4.244, 0, 2.7]);
  close(returns, [3.061, 2.7040896, 2.8, 3.50568, 1.9, 4.744, 1, 4.7]);
});

Deno.test("gae() with lambda 1 and no episode end gives discounted returns minus values", () => {
  const rewards = [1, 2, 3];
  const { advantages } = gae({
    numSteps: 3,
    numEnvs: 1,
    rewards,
    values: [0, 0, 0],
    terminated: [0, 0, 0],
    truncated: [0, 0, 0],
    finalValues: [0, 0, 0],
    nextValues: [10],
  }, { gamma: 0.5, gaeLambda: 1 });
  close(advantages, [1 + 0.5 * 2 + 0.25 * 3 + 0.125 * 10, 2 + 0.5 * 3 + 0.25 * 10, 3 + 0.5 * 10]);
});

Deno.test("gae() ignores finalValues on terminated steps even when truncated is also set", () => {
  const { advantages } = gae({
    numSteps: 1,
    numEnvs: 1,
    rewards: [1],
    values: [0],
    terminated: [1],
    truncated: [1],
    finalValues: [50],
    nextValues: [50],
  }, { gamma: 0.9, gaeLambda: 0.9 });
  close(advantages, [1]);
});

Deno.test("gae() rejects arrays of the wrong length", () => {
  assert.throws(
    () =>
      gae({
        numSteps: 2,
        numEnvs: 1,
        rewards: [1],
        values: [0, 0],
        terminated: [0, 0],
        truncated: [0, 0],
        finalValues: [0, 0],
        nextValues: [0],
      }),
    /rewards must have numSteps \* numEnvs = 2 elements: current value has 1/,
  );
});
