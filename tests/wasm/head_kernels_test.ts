import assert from "node:assert/strict";
import { categoricalEntropy } from "../../src/core/categorical_entropy.ts";
import { categoricalLogProb } from "../../src/core/categorical_log_prob.ts";
import { categoricalMode } from "../../src/core/categorical_mode.ts";
import { categoricalSample } from "../../src/core/categorical_sample.ts";
import { gaussianEntropy } from "../../src/core/gaussian_entropy.ts";
import { gaussianLogProb } from "../../src/core/gaussian_log_prob.ts";
import { type ActorCriticOutputs, ppoHeadLoss } from "../../src/core/ppo_head_loss.ts";
import { Rng } from "../../src/core/rng.ts";
import { createWasmPolicy } from "../../src/model/wasm_policy.ts";
import { paramLayout } from "../../src/model/param_layout.ts";
import type { ActorCriticConfig } from "../../src/model/types.ts";
import { expFunction, logFunction } from "../../src/wasm/math_functions.ts";
import { encodeModule } from "../../src/wasm/wasm_module.ts";
import { WasmNetwork } from "../../src/wasm/wasm_network.ts";
import { relativeError } from "../model/_fixtures.ts";

/** Heads of the networks (4-64-64-2, 8-64-64-4 masked, 3-64-64-1 log-std, 8-1024-1024-4) and more. */
const HEADS: Record<string, ActorCriticConfig> = {
  "categorical n=2": {
    obsDim: 4,
    head: { kind: "categorical", n: 2 },
    hidden: [8],
    activation: "tanh",
    shared: false,
  },
  "categorical n=4, masked": {
    obsDim: 8,
    head: { kind: "categorical", n: 4 },
    hidden: [8],
    activation: "tanh",
    shared: false,
  },
  "categorical n=4, shared relu trunk": {
    obsDim: 8,
    head: { kind: "categorical", n: 4 },
    hidden: [16, 16],
    activation: "relu",
    shared: true,
  },
  "gaussian dim=1": {
    obsDim: 3,
    head: { kind: "gaussian", dim: 1, logStd: "learned", initLogStd: 0 },
    hidden: [8],
    activation: "tanh",
    shared: false,
  },
  "gaussian dim=3, shared": {
    obsDim: 5,
    head: { kind: "gaussian", dim: 3, logStd: "learned", initLogStd: 0 },
    hidden: [8],
    activation: "tanh",
    shared: true,
  },
};

const BATCHES = [1, 4, 128, 512];

/**
 * A network whose heads' outputs are set directly (no forward pass): random logits or means, values and
 * log-std, as float32, and the same values as float64 for the reference.
 */
async function headsWith(config: ActorCriticConfig, rows: number, rng: Rng) {
  const layout = paramLayout(config);
  const network = await WasmNetwork.create(layout, { worker: false });
  const head = config.head;
  const width = head.kind === "categorical" ? head.n : head.dim;
  const policy = Float32Array.from({ length: rows * width }, () => rng.uniform(-3, 3));
  const values = Float32Array.from({ length: rows }, () => rng.uniform(-2, 2));
  const logStd = Float32Array.from(
    { length: head.kind === "gaussian" ? head.dim : 0 },
    () => rng.uniform(-1, 0.5),
  );
  const heads = network.heads(rows);
  const actor = network.last("actor");
  const critic = network.last("critic");
  const policyView = network.outputs(actor, rows);
  const valueView = network.outputs(critic, rows);
  const policyStride = network.layers[actor]!.outStride;
  const valueStride = network.layers[critic]!.outStride;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < width; c++) policyView[r * policyStride + c] = policy[r * width + c]!;
    valueView[r * valueStride] = values[r]!;
  }
  if (network.logStd >= 0) network.block("params").set(logStd, network.logStd);
  const mask = head.kind === "categorical" && head.n > 2
    ? Uint8Array.from({ length: rows * head.n }, (_, i) => (i % head.n === (i / head.n | 0) % head.n ? 0 : 1))
    : undefined;
  if (mask !== undefined) heads.mask.set(mask);
  const gradients = () => ({
    policy: Float64Array.from({ length: rows * width }, (_, i) => {
      const view = network.outputGradients(actor, rows);
      return view[Math.floor(i / width) * policyStride + (i % width)]!;
    }),
    values: Float64Array.from(
      { length: rows },
      (_, r) => network.outputGradients(critic, rows)[r * valueStride]!,
    ),
  });
  return { network, heads, policy, values, logStd, mask, width, gradients };
}

Deno.test("exp and log in WebAssembly are within 2 ulp of Math.exp and Math.log", async () => {
  const bytes = encodeModule([{ name: "exp", body: expFunction() }, { name: "log", body: logFunction() }], {
    minPages: 1,
  });
  const { instance } = await WebAssembly.instantiate(bytes, {
    env: { memory: new WebAssembly.Memory({ initial: 1 }) },
  });
  const exp = instance.exports.exp as (x: number) => number;
  const log = instance.exports.log as (x: number) => number;
  const rng = new Rng(1);
  const ulps = (actual: number, expected: number) =>
    Math.abs(actual - expected) / (Math.abs(expected) * 2 ** -52);
  let worstExp = 0;
  let worstLog = 0;
  for (let i = 0; i < 20_000; i++) {
    const x = rng.uniform(-700, 709);
    worstExp = Math.max(worstExp, ulps(exp(x), Math.exp(x)));
    const small = rng.uniform(-40, 40);
    worstExp = Math.max(worstExp, ulps(exp(small), Math.exp(small)));
    const y = Math.exp(rng.uniform(-700, 700));
    worstLog = Math.max(worstLog, ulps(log(y), Math.log(y)));
    // Near 1, where log is near 0, its error is absolute.
    const near = rng.uniform(0.5, 2);
    worstLog = Math.max(worstLog, Math.abs(log(near) - Math.log(near)) / 2 ** -52);
  }
  assert.ok(worstExp <= 2, `exp: ${worstExp} ulp`);
  assert.ok(worstLog <= 2, `log: ${worstLog} ulp`);
  assert.equal(exp(0), 1);
  assert.equal(log(1), 0);
  assert.equal(exp(-Infinity), 0);
  assert.equal(exp(Infinity), Infinity);
  assert.ok(Number.isNaN(exp(NaN)));
  assert.equal(exp(-800), 0);
});

for (const [name, config] of Object.entries(HEADS)) {
  Deno.test(`the wasm head kernels act, evaluate and take the PPO loss as the reference does: ${name}`, async () => {
    const rng = new Rng(7);
    const head = config.head;
    for (const rows of BATCHES) {
      const { network, heads, policy, values, logStd, mask, width, gradients } = await headsWith(
        config,
        rows,
        rng,
      );
      try {
        const masked = mask !== undefined;
        const categorical = head.kind === "categorical"
          ? (masked ? { n: head.n, mask } : { n: head.n })
          : null;
        // Acting: sampled and greedy.
        const actionDim = head.kind === "categorical" ? 1 : head.dim;
        const noise = Float32Array.from(
          { length: rows * actionDim },
          () => head.kind === "categorical" ? rng.uniform(0, 1) : rng.normal(),
        );
        for (const greedy of [false, true]) {
          heads.noise.set(noise);
          assert.equal(network.act(rows, greedy, masked), 0);
          let expectedActions: ArrayLike<number>;
          let expectedLogProbs: ArrayLike<number>;
          if (categorical !== null) {
            expectedActions = greedy
              ? categoricalMode(policy, categorical)
              : categoricalSample(policy, noise, categorical);
            expectedLogProbs = categoricalLogProb(policy, expectedActions, categorical);
          } else {
            const actions = Float32Array.from(
              policy,
              (mean, i) => greedy ? mean : mean + Math.exp(logStd[i % width]!) * noise[i]!,
            );
            expectedActions = actions;
            expectedLogProbs = gaussianLogProb(policy, actions, { logStd });
          }
          const label = `${greedy ? "greedy" : "sampled"}, ${rows} rows`;
          if (categorical !== null) {
            assert.deepEqual(Array.from(heads.actions), Array.from(expectedActions), label);
          } else assert.ok(relativeError(heads.actions, expectedActions) < 1e-6, `actions, ${label}`);
          assert.ok(relativeError(heads.logProbs, expectedLogProbs) < 1e-6, `log-probs, ${label}`);
        }
        // Evaluating the sampled actions.
        heads.noise.set(noise);
        network.act(rows, false, masked);
        const actions = heads.actions.slice();
        assert.equal(network.evaluate(rows, masked), 0);
        const expectedLogProbs = categorical !== null
          ? categoricalLogProb(policy, actions, categorical)
          : gaussianLogProb(policy, actions, { logStd });
        const expectedEntropy = categorical !== null
          ? categoricalEntropy(policy, categorical)
          : new Float64Array(rows).fill(gaussianEntropy(logStd));
        assert.ok(
          relativeError(heads.logProbs, expectedLogProbs) < 1e-6,
          `evaluate's log-probs, ${rows} rows`,
        );
        assert.ok(relativeError(heads.entropy, expectedEntropy) < 1e-6, `evaluate's entropies, ${rows} rows`);
        // The loss: recorded log-probs near the current ones, so some ratios clip and some do not.
        const batch = {
          actions,
          oldLogProbs: Float32Array.from(expectedLogProbs, (lp) => lp + rng.uniform(-0.3, 0.3)),
          advantages: Float32Array.from({ length: rows }, () => rng.normal()),
          returns: Float32Array.from(values, (v) => v + rng.uniform(-1, 1)),
          oldValues: Float32Array.from(values, (v) => v + rng.uniform(-0.4, 0.4)),
        };
        for (const key of ["oldLogProbs", "advantages", "returns", "oldValues"] as const) {
          heads[key].set(batch[key]);
        }
        const outputs: ActorCriticOutputs = categorical !== null
          ? { kind: "categorical", logits: policy, values, ...categorical }
          : { kind: "gaussian", means: policy, logStd, values };
        for (const [normAdv, clipVloss] of [[true, true], [false, false], [true, false]] as const) {
          if (normAdv && rows < 2) continue;
          const options = { clipCoef: 0.2, entCoef: 0.01, vfCoef: 0.5, normAdv, clipVloss };
          const parts = network.loss(rows, masked, options);
          if (typeof parts === "number") assert.fail(`the loss kernel refused row ${parts - 1}`);
          const expected = ppoHeadLoss(outputs, batch, { ...options, roundLogProbs: true });
          const label = `normAdv ${normAdv}, clipVloss ${clipVloss}, ${rows} rows`;
          for (
            const key of ["loss", "policyLoss", "valueLoss", "entropy", "oldApproxKl", "approxKl"] as const
          ) {
            const actual = parts[key];
            assert.ok(
              Math.abs(actual - expected[key]) <= 1e-9 * Math.max(1, Math.abs(expected[key])),
              `${key}, ${label}`,
            );
          }
          assert.equal(parts.clipfrac, expected.clipfrac, `clipfrac, ${label}`);
          const grads = gradients();
          assert.ok(relativeError(grads.policy, expected.gradPolicy) < 1e-6, `policy gradient, ${label}`);
          assert.ok(relativeError(grads.values, expected.gradValues) < 1e-6, `value gradient, ${label}`);
          if (expected.gradLogStd !== null) {
            assert.ok(
              relativeError(network.gradLogStd(), expected.gradLogStd) < 1e-12,
              `log-std gradient, ${label}`,
            );
          }
        }
      } finally {
        network.dispose();
      }
    }
  });
}

Deno.test("the wasm engine refuses what the reference refuses, with the reference's errors", async () => {
  const config = HEADS["categorical n=4, masked"]!;
  const layout = paramLayout(config);
  const rng = new Rng(3);
  const params = Float32Array.from({ length: layout.size }, () => rng.uniform(-0.3, 0.3));
  const engine = await createWasmPolicy(layout, { params, threads: "off" });
  try {
    const obs = Float32Array.from({ length: 2 * 8 }, () => rng.uniform(-1, 1));
    const out = { actions: new Float32Array(2), logProbs: new Float32Array(2), values: new Float32Array(2) };
    const allowAll = new Uint8Array(8).fill(1);
    // A row with no allowed action.
    const noAction = allowAll.slice();
    noAction.fill(0, 4, 8);
    assert.throws(
      () => engine.act({ obs, batch: 2, noise: new Float32Array([0.5, 0.5]), mask: noAction }, out),
      /action mask allows no action in row 1/,
    );
    // A uniform outside [0, 1).
    assert.throws(
      () => engine.act({ obs, batch: 2, noise: new Float32Array([0.5, 1]) }, out),
      /uniforms must lie in \[0, 1\): current value in row 1 is 1/,
    );
    // An action that is not an index in evaluate, and a masked or out-of-range one in a minibatch.
    const evaluated = {
      logProbs: new Float32Array(2),
      entropy: new Float32Array(2),
      values: new Float32Array(2),
    };
    assert.throws(
      () => engine.evaluate(obs, new Float32Array([2.5, 0]), 2, evaluated),
      /actions must be integers in \[0, 4\): current value in row 0 is 2.5/,
    );
    const minibatch = {
      size: 2,
      obs,
      actions: new Float32Array([1, 5]),
      oldLogProbs: new Float32Array([-1, -1]),
      advantages: new Float32Array([1, -1]),
      returns: new Float32Array([0, 0]),
      oldValues: new Float32Array([0, 0]),
    };
    const options = {
      learningRate: 1e-3,
      clipCoef: 0.2,
      clipVloss: true,
      entCoef: 0.01,
      vfCoef: 0.5,
      maxGradNorm: 0.5,
      normAdv: true,
    };
    const before = engine.getParams();
    assert.throws(() => engine.trainStep(minibatch, options), /actions must be integers in \[0, 4\)/);
    assert.throws(
      () =>
        engine.trainStep({
          ...minibatch,
          actions: new Float32Array([1, 2]),
          mask: new Uint8Array(8).fill(1).fill(0, 6, 7),
        }, options),
      /action 2 in row 1 is masked/,
    );
    assert.throws(
      () =>
        engine.trainStep({
          ...minibatch,
          size: 1,
          obs: obs.subarray(0, 8),
          actions: new Float32Array([1]),
          oldLogProbs: new Float32Array([-1]),
          advantages: new Float32Array([1]),
          returns: new Float32Array([0]),
          oldValues: new Float32Array([0]),
        }, options),
      /unbiased std needs at least 2 values/,
    );
    assert.deepEqual(engine.getParams(), before);
    // The same minibatch with valid actions trains.
    engine.trainStep({ ...minibatch, actions: new Float32Array([1, 3]) }, options);
    assert.notDeepEqual(engine.getParams(), before);
  } finally {
    engine.dispose();
  }
});
