import assert from "node:assert/strict";
import { Rng } from "../../src/core/rng.ts";
import { chooseBackend, probeBackend } from "../../src/kernels/backend.ts";
import { createGpuPolicy } from "../../src/model/gpu_policy.ts";
import { initParams } from "../../src/model/init_params.ts";
import { paramLayout } from "../../src/model/param_layout.ts";
import type { MinibatchData, TrainStepOptions } from "../../src/model/types.ts";

const layout = paramLayout({
  obsDim: 4,
  head: { kind: "categorical", n: 2 },
  hidden: [16, 16],
  activation: "tanh",
  shared: false,
});

const OPTIONS: TrainStepOptions = {
  learningRate: 1e-3,
  clipCoef: 0.2,
  clipVloss: false,
  entCoef: 0.01,
  vfCoef: 0.5,
  maxGradNorm: 0.5,
  normAdv: true,
};

function minibatch(size: number): MinibatchData {
  const rng = new Rng(3);
  return {
    size,
    obs: Float32Array.from({ length: size * 4 }, () => rng.normal()),
    actions: Float32Array.from({ length: size }, (_, i) => i % 2),
    oldLogProbs: new Float32Array(size).fill(Math.log(0.5)),
    advantages: Float32Array.from({ length: size }, () => rng.normal()),
    returns: Float32Array.from({ length: size }, () => rng.normal()),
    oldValues: new Float32Array(size),
  };
}

Deno.test("createGpuPolicy() initialises like the reference when no params are given", async () => {
  const policy = await createGpuPolicy(layout, { backend: "cpu", seed: 5 });
  try {
    assert.deepEqual(policy.getParams(), initParams(layout, new Rng(5)));
    assert.equal(policy.backend, "cpu");
  } finally {
    await policy.dispose();
  }
});

Deno.test("createGpuPolicy() with backend auto runs on the backend chooseBackend() picks", async () => {
  const expected = await chooseBackend();
  assert.ok((await probeBackend(expected)).works);
  const policy = await createGpuPolicy(layout, { seed: 1 });
  try {
    const out = { actions: new Float32Array(2), logProbs: new Float32Array(2), values: new Float32Array(2) };
    await policy.act({ obs: new Float32Array(8), batch: 2, noise: new Float32Array([0.1, 0.9]) }, out);
    assert.equal(policy.backend, expected);
  } finally {
    await policy.dispose();
  }
});

Deno.test("gpu policy rejects wrong shapes with a TypeError naming the argument", async () => {
  const policy = await createGpuPolicy(layout, { backend: "cpu", seed: 1 });
  try {
    const out = { actions: new Float32Array(2), logProbs: new Float32Array(2), values: new Float32Array(2) };
    await assert.rejects(
      policy.act({ obs: new Float32Array(7), batch: 2, noise: new Float32Array(2) }, out),
      (error: unknown) =>
        error instanceof TypeError && /obs must have 8 elements: current length is 7/.test(error.message),
    );
    await assert.rejects(
      policy.act({ obs: new Float32Array(8), batch: 2, noise: new Float32Array(1) }, out),
      (error: unknown) => error instanceof TypeError && /noise/.test(error.message),
    );
    await assert.rejects(
      policy.act(
        { obs: new Float32Array(8), batch: 2, noise: new Float32Array(2), mask: new Uint8Array(3) },
        out,
      ),
      (error: unknown) => error instanceof TypeError && /mask/.test(error.message),
    );
    await assert.rejects(
      policy.act({ obs: new Float32Array(8), batch: 2, noise: new Float32Array([0.5, 1]) }, out),
      (error: unknown) => error instanceof RangeError && /uniforms must lie in \[0, 1\)/.test(error.message),
    );
    await assert.rejects(
      policy.act({ obs: new Float32Array(8).fill(NaN), batch: 2, noise: new Float32Array(2) }, out),
      (error: unknown) => error instanceof RangeError && /obs must be finite/.test(error.message),
    );
    const eval2 = {
      logProbs: new Float32Array(2),
      entropy: new Float32Array(2),
      values: new Float32Array(2),
    };
    await assert.rejects(
      policy.evaluate(new Float32Array(8), new Float32Array([0, 2]), 2, eval2),
      (error: unknown) =>
        error instanceof RangeError && /actions must be integers in \[0, 2\)/.test(error.message),
    );
    await assert.rejects(policy.values(new Float32Array(8), 2, new Float32Array(3)), TypeError);
    await assert.rejects(policy.values(new Float32Array(8), 0, new Float32Array(0)), RangeError);
    const bad = { ...minibatch(4), returns: new Float32Array(3) };
    await assert.rejects(policy.trainStep(bad, OPTIONS), /minibatch.returns must have 4 elements/);
    await assert.rejects(policy.trainStep(minibatch(4), { ...OPTIONS, maxGradNorm: 0 }), RangeError);
    assert.throws(() => policy.setParams(new Float32Array(3)), TypeError);
  } finally {
    await policy.dispose();
  }
});

Deno.test("gpu policy trainStep refuses non-finite gradients and leaves parameters and optimizer state untouched", async () => {
  const params = initParams(layout, new Rng(2));
  // A value head at the edge of float32 overflows the values, and with them the value gradients.
  const valueHead = layout.critic[2]!;
  params.fill(3e38, valueHead.weightOffset, valueHead.biasOffset + 1);
  const policy = await createGpuPolicy(layout, { backend: "cpu", params });
  try {
    const before = policy.getParams();
    const data = { ...minibatch(4), obs: new Float32Array(16).fill(1) };
    await assert.rejects(
      policy.trainStep(data, OPTIONS),
      (error: unknown) =>
        error instanceof RangeError && /not finite at optimizer step 1/.test(error.message) &&
        /of critic\./.test(error.message),
    );
    assert.deepEqual(policy.getParams(), before);
    assert.equal(policy.getOptimizerState().step, 0);
    assert.deepEqual(policy.getOptimizerState().m, new Float32Array(layout.size));
  } finally {
    await policy.dispose();
  }
});

Deno.test("gpu policy optimizer state round-trips and a disposed policy refuses work", async () => {
  const policy = await createGpuPolicy(layout, { backend: "cpu", seed: 4 });
  await policy.trainStep(minibatch(4), OPTIONS);
  const state = policy.getOptimizerState();
  assert.equal(state.step, 1);
  policy.setOptimizerState({ m: state.m, v: state.v, step: 7 });
  assert.equal(policy.getOptimizerState().step, 7);
  await policy.dispose();
  await assert.rejects(policy.values(new Float32Array(4), 1, new Float32Array(1)), /disposed/);
});
