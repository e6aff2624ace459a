import assert from "node:assert/strict";
import { Collector } from "../../src/operators/collector.ts";
import { VecEnv } from "../../src/envs/vec_env.ts";
import { Box } from "../../src/envs/box.ts";
import { Discrete } from "../../src/envs/discrete.ts";
import { defineEnv } from "../../src/envs/define_env.ts";
import { EnvError } from "../../src/envs/env_error.ts";
import { createReferencePolicy } from "../../src/model/reference_policy.ts";
import { paramLayout } from "../../src/model/param_layout.ts";
import type { ActInput, ActOutput, PolicyEngine } from "../../src/model/types.ts";
import type { StepBatch } from "../../src/operators/types.ts";

function cartPolePolicy(seed = 0) {
  const layout = paramLayout({
    obsDim: 4,
    head: { kind: "categorical", n: 2 },
    hidden: [8],
    activation: "tanh",
    shared: false,
  });
  return createReferencePolicy(layout, { seed });
}

/** A gaussian "policy" whose action is always `action` (to test clipping). */
function constantGaussian(action: number): PolicyEngine {
  const layout = paramLayout({
    obsDim: 3,
    head: { kind: "gaussian", dim: 1, logStd: "learned", initLogStd: 0 },
    hidden: [4],
    activation: "tanh",
    shared: false,
  });
  const base = createReferencePolicy(layout, { seed: 0 });
  return {
    ...base,
    layout,
    engine: "reference",
    act(input: ActInput, out: ActOutput) {
      out.actions.fill(action, 0, input.batch);
      out.logProbs.fill(0, 0, input.batch);
      out.values.fill(0, 0, input.batch);
    },
  } as PolicyEngine;
}

function copyStep(step: StepBatch) {
  return {
    obs: Array.from(step.obs),
    actions: Array.from(step.actions),
    rewards: Array.from(step.rewards),
    done: Array.from(step.terminated).map((t, i) => t || step.truncated[i]),
  };
}

Deno.test("Collector replays the same steps for the same seed", () => {
  const run = () => {
    const collector = new Collector(cartPolePolicy(), new VecEnv("CartPole-v1", 3), { seed: 5 });
    return Array.from({ length: 40 }, () => copyStep(collector.step() as StepBatch));
  };
  assert.deepEqual(run(), run());
});

Deno.test("Collector clips continuous actions for the env but keeps the sampled action for the loss", () => {
  const collector = new Collector(constantGaussian(5), new VecEnv("Pendulum-v1", 1), { seed: 0 });
  const reference = new VecEnv("Pendulum-v1", 1);
  reference.reset({ seed: 0 });
  const step = collector.step() as StepBatch;
  assert.deepEqual(Array.from(step.actions), [5]);
  // Pendulum's reward charges the clipped torque (2), so the collector's env saw 2, as the reference does.
  const expected = reference.step(Float32Array.of(2));
  assert.equal(step.rewards[0], Math.fround(expected.rewards[0]!));
});

Deno.test("Collector normalises observations with running statistics, clipped to +-10", () => {
  const collector = new Collector(cartPolePolicy(), new VecEnv("CartPole-v1", 8), {
    seed: 1,
    normalizeObservation: true,
  });
  const seen: number[] = [];
  for (let t = 0; t < 200; t++) seen.push(...(collector.step() as StepBatch).obs);
  assert.ok(seen.every((x) => Math.abs(x) <= 10));
  const stats = collector.observationStats!;
  assert.ok(stats.count > 200 * 8);
  // Normalised observations of later steps have roughly zero mean and unit variance per dimension.
  const late = seen.slice(100 * 8 * 4);
  for (let d = 0; d < 4; d++) {
    const column = late.filter((_, i) => i % 4 === d);
    const mean = column.reduce((a, b) => a + b, 0) / column.length;
    const variance = column.reduce((a, b) => a + (b - mean) ** 2, 0) / column.length;
    assert.ok(Math.abs(mean) < 0.5, `dim ${d} mean ${mean}`);
    assert.ok(variance > 0.3 && variance < 3, `dim ${d} variance ${variance}`);
  }
});

Deno.test("Collector scales rewards by the std of the discounted return", () => {
  const collector = new Collector(cartPolePolicy(), new VecEnv("CartPole-v1", 4), {
    seed: 2,
    normalizeReward: true,
    gamma: 0.99,
  });
  let last: StepBatch | undefined;
  for (let t = 0; t < 100; t++) last = collector.step() as StepBatch;
  const std = Math.sqrt(collector.returnStats!.var[0]! + 1e-8);
  assert.ok(std > 1, `return std ${std}`);
  // CartPole pays 1 per step: the scaled reward is 1 / std.
  for (const r of last!.rewards) assert.ok(Math.abs(r - 1 / std) < 1e-6);
});

Deno.test("Collector state round-trips: a restored collector continues the same stream", () => {
  const originalEnv = new VecEnv("CartPole-v1", 2);
  const original = new Collector(cartPolePolicy(), originalEnv, { seed: 3, normalizeObservation: true });
  for (let t = 0; t < 30; t++) original.step();
  const envState = originalEnv.getState();
  const state = JSON.parse(JSON.stringify(original.getState()));
  const expected = Array.from({ length: 20 }, () => copyStep(original.step() as StepBatch));

  const restoredEnv = new VecEnv("CartPole-v1", 2);
  const restored = new Collector(cartPolePolicy(), restoredEnv, { seed: 99, normalizeObservation: true });
  const { obs } = restoredEnv.setState(JSON.parse(JSON.stringify(envState)));
  restored.setState(state, obs);
  assert.deepEqual(Array.from({ length: 20 }, () => copyStep(restored.step() as StepBatch)), expected);
});

Deno.test("Collector refuses a network that does not fit the env", () => {
  assert.throws(() => new Collector(cartPolePolicy(), new VecEnv("Acrobot-v1", 1)), /does not fit the env/);
});

Deno.test("Collector draws categorical uniforms exact in float32 and below 1", () => {
  const layout = paramLayout({
    obsDim: 4,
    head: { kind: "categorical", n: 2 },
    hidden: [8],
    activation: "tanh",
    shared: false,
  });
  const base = createReferencePolicy(layout, { seed: 0 });
  const noise: number[] = [];
  const engine = {
    ...base,
    layout,
    engine: "reference",
    act(input: ActInput, out: ActOutput) {
      noise.push(...input.noise);
      base.act(input, out);
    },
  } as PolicyEngine;
  const collector = new Collector(engine, new VecEnv("CartPole-v1", 16), { seed: 4 });
  for (let t = 0; t < 500; t++) collector.step();
  assert.equal(noise.length, 8000);
  // 24-bit draws: a float64 uniform just below 1 would round to exactly 1 in a Float32Array.
  assert.ok(noise.every((u) => u >= 0 && u < 1 && Number.isInteger(u * 2 ** 24)));
});

Deno.test("Collector stops a NaN from an environment at the step, naming the env and the value", () => {
  const broken = defineEnv({
    id: "Broken-v0",
    observationSpace: new Box(-1, 1, [4]),
    actionSpace: new Discrete(2),
    reset: () => ({ state: 0, obs: [0, 0, 0, 0] }),
    step: (t: number) => ({ state: t + 1, obs: [0, 0, t >= 2 ? NaN : 0, 0], reward: 1, terminated: false }),
  });
  const collector = new Collector(cartPolePolicy(), new VecEnv(broken, 2, { seed: 0 }), { seed: 0 });
  collector.step();
  collector.step();
  assert.throws(
    () => collector.step(),
    /Cannot step Broken-v0 as env 0 returned a non-finite observation: current value at index 2 is NaN/,
  );
});

Deno.test("Collector reports an environment that throws with its index, the global step and the original error", () => {
  const boom = new Error("boom");
  let created = 0;
  const fragile = defineEnv({
    id: "Fragile-v0",
    observationSpace: new Box(-1, 1, [4]),
    actionSpace: new Discrete(2),
    reset: () => ({ state: { index: created++, t: 0 }, obs: [0, 0, 0, 0] }),
    step: (state: { index: number; t: number }) => {
      if (state.index === 2 && ++state.t === 5) throw boom;
      return { state, obs: [0, 0, 0, 0], reward: 1, terminated: false };
    },
  });
  const collector = new Collector(cartPolePolicy(), new VecEnv(fragile, 3, { seed: 0 }), { seed: 0 });
  for (let t = 0; t < 4; t++) collector.step();
  let error: unknown;
  try {
    collector.step();
  } catch (caught) {
    error = caught;
  }
  assert.ok(error instanceof EnvError);
  assert.equal(error.message, "Cannot step env 2 of Fragile-v0 at global step 12: boom");
  assert.deepEqual([error.action, error.envId, error.env, error.globalStep], ["step", "Fragile-v0", 2, 12]);
  assert.equal(error.cause, boom);
});

Deno.test("Collector multiplies the rewards it learns from by rewardScale, after normalisation; episode returns stay raw", () => {
  const steps = (options: { rewardScale?: number; normalizeReward?: boolean }) => {
    const collector = new Collector(cartPolePolicy(), new VecEnv("CartPole-v1", 2), { seed: 3, ...options });
    const list = Array.from({ length: 60 }, () => {
      const step = collector.step() as StepBatch;
      return { rewards: Array.from(step.rewards), returns: step.episodes.map((e) => e.return) };
    });
    return list;
  };
  const plain = steps({});
  const scaled = steps({ rewardScale: 0.01 });
  assert.deepEqual(
    scaled.map((s) => s.rewards),
    plain.map((s) => s.rewards.map((r) => Math.fround(r * 0.01))),
  );
  assert.deepEqual(scaled.map((s) => s.returns), plain.map((s) => s.returns));
  assert.ok(scaled.some((s) => s.returns.length > 0));
  const normalized = steps({ normalizeReward: true });
  const both = steps({ normalizeReward: true, rewardScale: 2 });
  assert.deepEqual(
    both.map((s) => s.rewards),
    normalized.map((s) => s.rewards.map((r) => Math.fround(r * 2))),
  );
});

Deno.test("Collector refuses a rewardScale that is not a positive finite number", () => {
  for (const rewardScale of [0, -1, Infinity, NaN]) {
    assert.throws(
      () => new Collector(cartPolePolicy(), new VecEnv("CartPole-v1", 1), { rewardScale }),
      (error: Error) =>
        error instanceof RangeError &&
        error.message ===
          `Cannot create Collector as rewardScale must be a positive finite number: current value is ${rewardScale}`,
    );
  }
});
