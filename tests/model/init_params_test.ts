import assert from "node:assert/strict";
import { Rng } from "../../src/core/rng.ts";
import { initParams } from "../../src/model/init_params.ts";
import { paramLayout } from "../../src/model/param_layout.ts";
import type { DenseInfo } from "../../src/model/types.ts";

/** Largest deviation of the Gram matrix of the shorter side from gain^2 I. */
function orthogonalityError(params: Float32Array, layer: DenseInfo): number {
  const { outDim, inDim, weightOffset, gain } = layer;
  const w = (o: number, i: number) => params[weightOffset + o * inDim + i]!;
  const tall = outDim >= inDim;
  const size = tall ? inDim : outDim;
  const length = tall ? outDim : inDim;
  let worst = 0;
  for (let a = 0; a < size; a++) {
    for (let b = 0; b < size; b++) {
      let dot = 0;
      for (let k = 0; k < length; k++) dot += tall ? w(k, a) * w(k, b) : w(a, k) * w(b, k);
      worst = Math.max(worst, Math.abs(dot - (a === b ? gain * gain : 0)) / (gain * gain));
    }
  }
  return worst;
}

Deno.test("initParams() makes every dense weight orthogonal with CleanRL's gains and every bias 0", () => {
  const layouts = [
    paramLayout({
      obsDim: 4,
      head: { kind: "categorical", n: 2 },
      hidden: [64, 64],
      activation: "tanh",
      shared: false,
    }),
    paramLayout({
      obsDim: 8,
      head: { kind: "categorical", n: 4 },
      hidden: [32, 16],
      activation: "relu",
      shared: true,
    }),
  ];
  for (const layout of layouts) {
    const params = initParams(layout, new Rng(30));
    for (const layer of [...layout.trunk, ...layout.actor, ...layout.critic]) {
      // Float32 storage limits the match to about 1e-7 relative.
      assert.ok(orthogonalityError(params, layer) < 1e-6);
      assert.ok(params.subarray(layer.biasOffset, layer.biasOffset + layer.outDim).every((b) => b === 0));
    }
    const gains = [...layout.trunk, ...layout.actor, ...layout.critic].map((l) => l.gain);
    assert.deepEqual(gains.filter((g) => g === 0.01).length, 1); // the policy head
    assert.deepEqual(gains.filter((g) => g === 1).length, 1); // the value head
  }
});

Deno.test("initParams() sets the log-std to initLogStd, learned or fixed", () => {
  for (const logStd of ["learned", "fixed"] as const) {
    const layout = paramLayout({
      obsDim: 3,
      head: { kind: "gaussian", dim: 2, logStd, initLogStd: -0.5 },
      hidden: [64, 64],
      activation: "tanh",
      shared: false,
    });
    const params = initParams(layout, new Rng(31));
    assert.deepEqual(Array.from(params.subarray(layout.logStdOffset)), [-0.5, -0.5]);
  }
});

Deno.test("initParams() gives the same network for the same seed and another for another seed", () => {
  const layout = paramLayout({
    obsDim: 4,
    head: { kind: "categorical", n: 2 },
    hidden: [8],
    activation: "tanh",
    shared: false,
  });
  assert.deepEqual(initParams(layout, new Rng(5)), initParams(layout, new Rng(5)));
  assert.notDeepEqual(initParams(layout, new Rng(5)), initParams(layout, new Rng(6)));
});

Deno.test("initParams() with glorot-uniform draws every weight within Keras' limit and starts biases at 0", () => {
  const layout = paramLayout({
    obsDim: 4,
    head: { kind: "gaussian", dim: 2, logStd: "learned", initLogStd: -1 },
    hidden: [64, 32],
    activation: "tanh",
    shared: false,
  });
  const params = initParams(layout, new Rng(40), { init: "glorot-uniform" });
  for (const layer of [...layout.actor, ...layout.critic]) {
    const limit = Math.fround(Math.sqrt(6 / (layer.inDim + layer.outDim)));
    const weight = params.subarray(layer.weightOffset, layer.weightOffset + layer.outDim * layer.inDim);
    assert.ok(weight.every((w) => Math.abs(w) <= limit), `${layer.weightOffset}`);
    assert.ok(weight.some((w) => Math.abs(w) > limit / 2));
    assert.ok(params.subarray(layer.biasOffset, layer.biasOffset + layer.outDim).every((b) => b === 0));
  }
  assert.deepEqual(Array.from(params.subarray(layout.logStdOffset)), [-1, -1]);
});

Deno.test("initParams() with pytorch-default draws weights and biases within 1/sqrt(fanIn), layer by layer", () => {
  const layout = paramLayout({
    obsDim: 8,
    head: { kind: "categorical", n: 4 },
    hidden: [32, 16],
    activation: "relu",
    shared: true,
  });
  const params = initParams(layout, new Rng(41), { init: "pytorch-default" });
  for (const layer of [...layout.trunk, ...layout.actor, ...layout.critic]) {
    const bound = Math.fround(1 / Math.sqrt(layer.inDim));
    const weight = params.subarray(layer.weightOffset, layer.weightOffset + layer.outDim * layer.inDim);
    const bias = params.subarray(layer.biasOffset, layer.biasOffset + layer.outDim);
    assert.ok([...weight, ...bias].every((w) => Math.abs(w) <= bound));
    assert.ok(weight.some((w) => Math.abs(w) > bound / 2));
    assert.ok(bias.some((b) => b !== 0));
  }
  // The bound follows each layer's fanIn: the first layer (fanIn 8) has weights beyond the head's 1/sqrt(16).
  const first = layout.trunk[0]!;
  assert.ok(params.subarray(first.weightOffset, first.weightOffset + 32 * 8).some((w) => Math.abs(w) > 0.25));
});

Deno.test("initParams() gives every scheme its own deterministic network, orthogonal by default", () => {
  const layout = paramLayout({
    obsDim: 4,
    head: { kind: "categorical", n: 2 },
    hidden: [8],
    activation: "tanh",
    shared: false,
  });
  const schemes = ["orthogonal", "glorot-uniform", "pytorch-default"] as const;
  const networks = schemes.map((init) => initParams(layout, new Rng(5), { init }));
  assert.deepEqual(networks[0], initParams(layout, new Rng(5)));
  schemes.forEach((init, i) => assert.deepEqual(initParams(layout, new Rng(5), { init }), networks[i]));
  assert.notDeepEqual(networks[1], networks[0]);
  assert.notDeepEqual(networks[2], networks[1]);
  assert.throws(
    () => initParams(layout, new Rng(5), { init: "he" as never }),
    (error: Error) =>
      error instanceof RangeError &&
      error.message ===
        'Cannot initialise parameters as init must be "orthogonal", "glorot-uniform" or "pytorch-default": current value is he',
  );
});
