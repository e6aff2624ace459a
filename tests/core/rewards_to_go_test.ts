import assert from "node:assert/strict";
import { gae } from "../../src/core/gae.ts";
import { rewardsToGo } from "../../src/core/rewards_to_go.ts";
import { Rng } from "../../src/core/rng.ts";

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance = 1e-5): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i]! - expected[i]!) <= tolerance, `index ${i}: ${actual[i]} vs ${expected[i]}`);
  }
}

/** Two envs, four steps: env 0 truncated at t=1 (final value 2) and terminated at t=3; env 1 runs through. */
const INPUT = {
  numSteps: 4,
  numEnvs: 2,
  rewards: [1, 0, 1, 0, 1, 1, 1, 2],
  values: [0.5, 1, 0.25, 1, 0.5, 0.5, 1, 2],
  terminated: [0, 0, 0, 0, 0, 0, 1, 0],
  truncated: [0, 0, 1, 0, 0, 0, 0, 0],
  finalValues: [0, 0, 2, 0, 0, 0, 0, 0],
  nextValues: [100, 3],
};

Deno.test("rewardsToGo() matches a hand-computed example with a truncation and a termination", () => {
  const { returns, advantages } = rewardsToGo(INPUT, { gamma: 0.5 });
  // env 0 (rewards 1, 1, 1, 1), backwards: t=3 terminated: G = 1; t=2: G = 1 + 0.5 * 1 = 1.5;
  //   t=1 truncated, bootstraps V(final) = 2: G = 1 + 0.5 * 2 = 2; t=0: G = 1 + 0.5 * 2 = 2.
  // env 1 (rewards 0, 0, 1, 2), the rollout end bootstraps nextValues[1] = 3: t=3: G = 2 + 1.5 = 3.5;
  //   t=2: 1 + 1.75 = 2.75; t=1: 1.375; t=0: 0.6875.
  close(returns, [2, 0.6875, 2, 1.375, 1.5, 2.75, 1, 3.5]);
  close(advantages, [1.5, -0.3125, 1.75, 0.375, 1, 2.25, 0, 1.5]);
});

Deno.test("rewardsToGo() without bootstrap sums only the rewards left in each episode or rollout", () => {
  const { returns } = rewardsToGo(INPUT, { gamma: 0.5, bootstrap: false });
  // env 0: t=3: 1; t=2: 1.5; t=1 truncated, nothing after the cut: 1; t=0: 1.5.
  // env 1: t=3: 2; t=2: 2; t=1: 1; t=0: 0.5.
  close(returns, [1.5, 0.5, 1, 1, 1.5, 2, 1, 2]);
});

Deno.test("rewardsToGo() with bootstrap equals GAE with lambda 1", () => {
  const rng = new Rng(7);
  const numSteps = 50;
  const numEnvs = 3;
  const size = numSteps * numEnvs;
  const draw = (f: () => number) => Array.from({ length: size }, f);
  const terminated = draw(() => (rng.random() < 0.05 ? 1 : 0));
  const input = {
    numSteps,
    numEnvs,
    rewards: draw(() => rng.normal()),
    values: draw(() => rng.normal()),
    terminated,
    truncated: draw(() => (rng.random() < 0.05 ? 1 : 0)),
    finalValues: draw(() => rng.normal()),
    nextValues: Array.from({ length: numEnvs }, () => rng.normal()),
  };
  const expected = gae(input, { gamma: 0.9, gaeLambda: 1 });
  const actual = rewardsToGo(input, { gamma: 0.9 });
  close(actual.advantages, expected.advantages, 1e-4);
  close(actual.returns, expected.returns, 1e-4);
});

Deno.test("rewardsToGo() equals a plain sum over each episode's remaining rewards", () => {
  const rng = new Rng(8);
  const numSteps = 40;
  const numEnvs = 2;
  const size = numSteps * numEnvs;
  const input = {
    numSteps,
    numEnvs,
    rewards: Array.from({ length: size }, () => rng.normal()),
    values: new Array(size).fill(0),
    terminated: Array.from({ length: size }, () => (rng.random() < 0.1 ? 1 : 0)),
    truncated: Array.from({ length: size }, () => (rng.random() < 0.1 ? 1 : 0)),
    finalValues: Array.from({ length: size }, () => rng.normal()),
    nextValues: [rng.normal(), rng.normal()],
  };
  const gamma = 0.8;
  for (const bootstrap of [true, false]) {
    const { returns } = rewardsToGo(input, { gamma, bootstrap });
    for (let env = 0; env < numEnvs; env++) {
      for (let t = 0; t < numSteps; t++) {
        // Forwards from t: discounted rewards up to the episode's end, then the value the cut bootstraps from.
        let sum = 0;
        let discount = 1;
        let k = t;
        for (;; k++) {
          const i = k * numEnvs + env;
          sum += discount * input.rewards[i]!;
          discount *= gamma;
          if (input.terminated[i]) break;
          if (input.truncated[i]) {
            if (bootstrap) sum += discount * input.finalValues[i]!;
            break;
          }
          if (k === numSteps - 1) {
            if (bootstrap) sum += discount * input.nextValues[env]!;
            break;
          }
        }
        const got = returns[t * numEnvs + env]!;
        assert.ok(Math.abs(got - sum) < 1e-4, `bootstrap ${bootstrap}, env ${env}, t ${t}: ${got} vs ${sum}`);
      }
    }
  }
});

Deno.test("rewardsToGo() does not bootstrap a step that is both terminated and truncated", () => {
  const { returns } = rewardsToGo({
    numSteps: 1,
    numEnvs: 1,
    rewards: [1],
    values: [0],
    terminated: [1],
    truncated: [1],
    finalValues: [50],
    nextValues: [50],
  }, { gamma: 0.9 });
  close(returns, [1]);
});

Deno.test("rewardsToGo() refuses arrays of the wrong length and a gamma outside [0, 1]", () => {
  assert.throws(
    () => rewardsToGo({ ...INPUT, rewards: [1] }),
    /Cannot compute rewards-to-go as rewards must have numSteps \* numEnvs = 8 elements: current value has 1/,
  );
  assert.throws(
    () => rewardsToGo({ ...INPUT, nextValues: [1] }),
    /nextValues must have numEnvs = 2 elements: current value has 1/,
  );
  assert.throws(
    () => rewardsToGo(INPUT, { gamma: 1.5 }),
    (error: Error) =>
      error instanceof RangeError && /gamma must be in \[0, 1\]: current value is 1.5/.test(error.message),
  );
});
