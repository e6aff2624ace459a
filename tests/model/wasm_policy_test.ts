import assert from "node:assert/strict";
import { Rng } from "../../src/core/rng.ts";
import { createReferencePolicy } from "../../src/model/reference_policy.ts";
import type { TrainStepOptions } from "../../src/model/types.ts";
import { createWasmPolicy } from "../../src/model/wasm_policy.ts";
import { wasmFeatures } from "../../src/wasm/wasm_module.ts";
import { actedMinibatch, actInputs, configs, layoutOf, randomParams, relativeError } from "./_fixtures.ts";

const MODES = wasmFeatures().relaxedSimd ? [true, false] : [false];

const inputs = actInputs;
const minibatch = actedMinibatch;

const options: TrainStepOptions = {
  learningRate: 3e-3,
  clipCoef: 0.2,
  clipVloss: true,
  entCoef: 0.01,
  vfCoef: 0.5,
  maxGradNorm: 0.5,
  normAdv: true,
};

for (const relaxed of MODES) {
  for (const name of Object.keys(configs)) {
    const wide = name.includes("1024");
    Deno.test(`the wasm engine (${relaxed ? "relaxed madd" : "mul+add"}) acts, evaluates and trains as the reference does: ${name}`, async () => {
      const layout = layoutOf(name);
      const start = Float32Array.from(randomParams(layout, 7));
      const reference = createReferencePolicy(layout, { params: start.slice() });
      const wasm = await createWasmPolicy(layout, { params: start.slice(), relaxed });
      try {
        assert.equal(wasm.engine, "wasm");
        assert.deepEqual(wasm.getParams(), start);
        // Acting: the same noise gives the same actions, log-probs and values on every batch size.
        const rng = new Rng(3);
        for (const batch of [1, 4, 7, 64]) {
          const { obs, noise, mask, actionDim } = inputs(layout, rng, batch);
          const input = mask === undefined ? { obs, batch, noise } : { obs, batch, noise, mask };
          const outputs = [reference, wasm].map((engine) => {
            const out = {
              actions: new Float32Array(batch * actionDim),
              logProbs: new Float32Array(batch),
              values: new Float32Array(batch),
            };
            void engine.act(input, out);
            return out;
          });
          const [expected, actual] = outputs as [typeof outputs[0], typeof outputs[0]];
          if (layout.config.head.kind === "categorical") assert.deepEqual(actual.actions, expected.actions);
          else assert.ok(relativeError(actual.actions, expected.actions) < 1e-5, `actions at batch ${batch}`);
          assert.ok(relativeError(actual.logProbs, expected.logProbs) < 1e-4, `log-probs at batch ${batch}`);
          assert.ok(relativeError(actual.values, expected.values) < 1e-4, `values at batch ${batch}`);
          // Evaluating the taken actions, and acting greedily.
          const evaluated = [reference, wasm].map((engine) => {
            const out = {
              logProbs: new Float32Array(batch),
              entropy: new Float32Array(batch),
              values: new Float32Array(batch),
            };
            void engine.evaluate(obs, expected.actions, batch, out, mask);
            return out;
          });
          for (const key of ["logProbs", "entropy", "values"] as const) {
            assert.ok(
              relativeError(evaluated[1]![key], evaluated[0]![key]) < 1e-4,
              `evaluate's ${key} at ${batch}`,
            );
          }
          const greedy = [reference, wasm].map((engine) => {
            const out = {
              actions: new Float32Array(batch * actionDim),
              logProbs: new Float32Array(batch),
              values: new Float32Array(batch),
            };
            void engine.act({ ...input, deterministic: true }, out);
            return out;
          });
          if (layout.config.head.kind === "categorical") {
            assert.deepEqual(greedy[1]!.actions, greedy[0]!.actions);
          } else {assert.ok(
              relativeError(greedy[1]!.actions, greedy[0]!.actions) < 1e-5,
              `greedy at ${batch}`,
            );}
        }
        // Training: the same minibatches, steps of several sizes; stats and parameters stay close.
        const steps = wide ? 3 : 50;
        const trainRng = new Rng(11);
        for (let step = 0; step < steps; step++) {
          const size = [64, 32, 5, 64][step % 4]!;
          const batch = minibatch(reference, trainRng, size);
          const stepOptions = { ...options, clipVloss: step % 2 === 0, normAdv: step % 5 !== 3 };
          const expected = reference.trainStep(batch, stepOptions) as unknown as Record<string, number>;
          const actual = wasm.trainStep(batch, stepOptions) as unknown as Record<string, number>;
          for (const key of Object.keys(expected)) {
            const tolerance = 1e-3 * Math.max(1, Math.abs(expected[key]!));
            assert.ok(
              Math.abs(actual[key]! - expected[key]!) <= tolerance,
              `step ${step} ${key}: ${actual[key]} vs ${expected[key]}`,
            );
          }
        }
        const paramsError = relativeError(wasm.getParams(), reference.getParams());
        assert.ok(paramsError < 1e-4, `parameters after ${steps} steps: error ${paramsError}`);
        const moments = [wasm, reference].map((engine) => engine.getOptimizerState());
        assert.equal(moments[0]!.step, steps);
        assert.ok(relativeError(moments[0]!.m, moments[1]!.m) < 1e-4, "first moments");
      } finally {
        reference.dispose();
        wasm.dispose();
      }
    });
  }
}

Deno.test("the wasm engine's first minibatch after acting sees ratio exactly 1", async () => {
  const layout = layoutOf("4-64-64-2 tanh categorical");
  const wasm = await createWasmPolicy(layout, { params: Float32Array.from(randomParams(layout, 5)) });
  const stats = wasm.trainStep(minibatch(wasm, new Rng(2), 16), options) as {
    approxKl: number;
    clipfrac: number;
  };
  assert.equal(stats.approxKl, 0);
  assert.equal(stats.clipfrac, 0);
});

Deno.test("the wasm engine round-trips parameters and optimizer state exactly, and refuses bad ones", async () => {
  const layout = layoutOf("3-64-64-1 tanh gaussian, learned log-std");
  const params = Float32Array.from(randomParams(layout, 9));
  const wasm = await createWasmPolicy(layout, { params });
  wasm.trainStep(minibatch(wasm, new Rng(4), 8), options);
  const state = wasm.getOptimizerState();
  const other = await createWasmPolicy(layout, { params: new Float32Array(layout.size) });
  other.setParams(wasm.getParams());
  other.setOptimizerState(state);
  assert.deepEqual(other.getParams(), wasm.getParams());
  assert.deepEqual(other.getOptimizerState(), state);
  // The transposed copies follow setParams: both engines now act alike.
  const batch = minibatch(wasm, new Rng(6), 8);
  assert.deepEqual(other.trainStep(batch, options), wasm.trainStep(batch, options));
  assert.throws(() => other.setParams(new Float32Array(3)), /params must have length/);
  assert.throws(
    () => other.setOptimizerState({ ...state, v: state.v.map(() => -1) }),
    /v must be non-negative/,
  );
  wasm.dispose();
  other.dispose();
});

Deno.test("the wasm engine refuses a non-finite update and leaves its parameters unchanged", async () => {
  const layout = layoutOf("4-64-64-2 tanh categorical");
  const wasm = await createWasmPolicy(layout, { params: Float32Array.from(randomParams(layout, 5)) });
  const batch = minibatch(wasm, new Rng(2), 16);
  const before = wasm.getParams();
  // A ratio of exp(1e30) overflows: the loss and the gradient are not finite.
  const bad = {
    ...batch,
    oldLogProbs: new Float32Array(16).fill(-1e30),
    advantages: new Float32Array(16).fill(-1),
  };
  assert.throws(
    () => wasm.trainStep(bad, { ...options, normAdv: false }),
    /is not finite at optimizer step 1/,
  );
  assert.deepEqual(wasm.getParams(), before);
  assert.equal(wasm.getOptimizerState().step, 0);
  wasm.dispose();
  assert.throws(() => wasm.getParams(), /disposed/);
});

for (
  const name of [
    "4-64-64-2 tanh categorical",
    "3-64-64-1 tanh gaussian, learned log-std",
    "8-1024-1024-4 shared relu categorical",
  ]
) {
  Deno.test(`the wasm engine gives the same bits with its worker on, off and auto: ${name}`, async () => {
    const layout = layoutOf(name);
    const start = Float32Array.from(randomParams(layout, 3));
    const engines = await Promise.all(
      (["on", "off", "auto"] as const).map((threads) =>
        createWasmPolicy(layout, { params: start.slice(), threads })
      ),
    );
    try {
      const rng = new Rng(8);
      const steps = name.includes("1024") ? 2 : 12;
      for (let step = 0; step < steps; step++) {
        const batch = minibatch(engines[1]!, rng, [64, 5, 32][step % 3]!);
        const stats = engines.map((engine) => engine.trainStep(batch, options));
        assert.deepEqual(stats[0], stats[1]);
        assert.deepEqual(stats[2], stats[1]);
      }
      const [on, off, auto] = engines.map((engine) => engine.getParams());
      assert.deepEqual(on, off);
      assert.deepEqual(auto, off);
      assert.deepEqual(engines[0]!.getOptimizerState(), engines[1]!.getOptimizerState());
    } finally {
      for (const engine of engines) engine.dispose();
    }
  });
}
