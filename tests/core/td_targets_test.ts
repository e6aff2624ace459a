import assert from "node:assert/strict";
import { gae } from "../../src/core/gae.ts";
import { Rng } from "../../src/core/rng.ts";
import { tdTargets } from "../../src/core/td_targets.ts";

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance = 1e-5): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i]! - expected[i]!) <= tolerance, `index ${i}: ${actual[i]} vs ${expected[i]}`);
  }
}

/** Two envs, three steps: env 0 terminated at t=0 and truncated at t=1 (final value 4); env 1 runs through. */
const INPUT = {
  numSteps: 3,
  numEnvs: 2,
  rewards: [1, 2, 1, 0, 1, 1],
  values: [0.5, 1, 0.25, 2, 3, 1],
  terminated: [1, 0, 0, 0, 0, 0],
  truncated: [0, 0, 1, 0, 0, 0],
  finalValues: [9, 0, 4, 0, 0, 0],
  nextValues: [6, 8],
};

Deno.test("tdTargets() matches a hand-computed example with a termination and a truncation", () => {
  const { returns, advantages } = tdTargets(INPUT, { gamma: 0.5 });
  // env 0: t=0 terminated: 1 (no bootstrap); t=1 truncated: 1 + 0.5 * V(final) 4 = 3; t=2: 1 + 0.5 * next 6 = 4.
  // env 1: t=0: 2 + 0.5 * V(s1) 2 = 3; t=1: 0 + 0.5 * V(s2) 1 = 0.5; t=2: 1 + 0.5 * next 8 = 5.
  close(returns, [1, 3, 3, 0.5, 4, 5]);
  close(advantages, [0.5, 2, 2.75, -1.5, 1, 4]);
});

Deno.test("tdTargets() equals GAE with lambda 0", () => {
  const rng = new Rng(9);
  const numSteps = 30;
  const numEnvs = 4;
  const size = numSteps * numEnvs;
  const draw = (f: () => number) => Array.from({ length: size }, f);
  const input = {
    numSteps,
    numEnvs,
    rewards: draw(() => rng.normal()),
    values: draw(() => rng.normal()),
    terminated: draw(() => (rng.random() < 0.1 ? 1 : 0)),
    truncated: draw(() => (rng.random() < 0.1 ? 1 : 0)),
    finalValues: draw(() => rng.normal()),
    nextValues: Array.from({ length: numEnvs }, () => rng.normal()),
  };
  const expected = gae(input, { gamma: 0.95, gaeLambda: 0 });
  const actual = tdTargets(input, { gamma: 0.95 });
  close(actual.advantages, expected.advantages);
  close(actual.returns, expected.returns);
});

Deno.test("tdTargets() writes into given buffers and refuses bad input", () => {
  const out = { advantages: new Float32Array(6), returns: new Float32Array(6) };
  assert.equal(tdTargets(INPUT, { gamma: 0.5 }, out).returns, out.returns);
  assert.throws(
    () => tdTargets({ ...INPUT, finalValues: [0] }),
    /Cannot compute TD targets as finalValues must have numSteps \* numEnvs = 6 elements: current value has 1/,
  );
  assert.throws(() => tdTargets(INPUT, { gamma: -0.1 }), /gamma must be in \[0, 1\]: current value is -0.1/);
});
