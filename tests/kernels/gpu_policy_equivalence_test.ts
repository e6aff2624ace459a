/**
 * The gpu.js engine against the plain-TypeScript reference engine, on every backend that works here: act
 * (sampled and deterministic, masked), values, evaluate, and whole optimizer steps, on the network shapes the
 * project trains.
 */
import assert from "node:assert/strict";
import { Rng } from "../../src/core/rng.ts";
import { createGpuPolicy } from "../../src/model/gpu_policy.ts";
import { initParams } from "../../src/model/init_params.ts";
import { paramLayout } from "../../src/model/param_layout.ts";
import { createReferencePolicy } from "../../src/model/reference_policy.ts";
import type {
  ActorCriticConfig,
  MinibatchData,
  ParamLayout,
  TrainStepOptions,
} from "../../src/model/types.ts";
import { assertClose, BACKEND_CASES } from "./_backends.ts";

interface Shape {
  readonly name: string;
  readonly config: ActorCriticConfig;
  /** Batches for act/values/evaluate. */
  readonly batches: readonly number[];
  /** Minibatch sizes for trainStep. */
  readonly trainBatches: readonly number[];
  readonly masked: boolean;
}

const SHAPES: readonly Shape[] = [
  {
    name: "4-64-64-2 tanh categorical",
    config: {
      obsDim: 4,
      head: { kind: "categorical", n: 2 },
      hidden: [64, 64],
      activation: "tanh",
      shared: false,
    },
    batches: [1, 4, 128, 512],
    trainBatches: [128, 512],
    masked: false,
  },
  {
    name: "8-64-64-4 tanh categorical, masked",
    config: {
      obsDim: 8,
      head: { kind: "categorical", n: 4 },
      hidden: [64, 64],
      activation: "tanh",
      shared: false,
    },
    batches: [1, 4, 128, 512],
    trainBatches: [4, 128],
    masked: true,
  },
  {
    name: "3-64-64-1 tanh gaussian, learned log-std",
    config: {
      obsDim: 3,
      head: { kind: "gaussian", dim: 1, logStd: "learned", initLogStd: -0.5 },
      hidden: [64, 64],
      activation: "tanh",
      shared: false,
    },
    batches: [1, 4, 128, 512],
    trainBatches: [4, 128],
    masked: false,
  },
  {
    name: "8-1024-1024-4 shared relu categorical",
    config: {
      obsDim: 8,
      head: { kind: "categorical", n: 4 },
      hidden: [1024, 1024],
      activation: "relu",
      shared: true,
    },
    batches: [4, 128],
    trainBatches: [4],
    masked: false,
  },
];

/** WebGPU runs on a software adapter here: one small shape per kind of head, and small batches. */
function shapesFor(backend: string): readonly Shape[] {
  if (backend !== "webgpu") return SHAPES;
  return [
    { ...SHAPES[1]!, batches: [4, 128], trainBatches: [128] },
    { ...SHAPES[2]!, batches: [4], trainBatches: [4] },
  ];
}

function observations(layout: ParamLayout, batch: number, rng: Rng): Float32Array {
  return Float32Array.from({ length: batch * layout.config.obsDim }, () => rng.normal());
}

function noiseFor(layout: ParamLayout, batch: number, rng: Rng): Float32Array {
  const head = layout.config.head;
  return head.kind === "categorical"
    ? Float32Array.from({ length: batch }, () => rng.random())
    : Float32Array.from({ length: batch * head.dim }, () => rng.normal());
}

function maskFor(layout: ParamLayout, batch: number, rng: Rng): Uint8Array | undefined {
  const head = layout.config.head;
  if (head.kind !== "categorical") return undefined;
  const mask = Uint8Array.from({ length: batch * head.n }, () => (rng.random() < 0.3 ? 0 : 1));
  for (let b = 0; b < batch; b++) mask[b * head.n + (b % head.n)] = 1;
  return mask;
}

function actOutput(layout: ParamLayout, batch: number) {
  const head = layout.config.head;
  return {
    actions: new Float32Array(batch * (head.kind === "categorical" ? 1 : head.dim)),
    logProbs: new Float32Array(batch),
    values: new Float32Array(batch),
  };
}

/** Tolerances: float32 sums over 1024 terms need more room than over 64. */
function toleranceOf(layout: ParamLayout) {
  return Math.max(...layout.config.hidden) > 64 ? { atol: 1e-4, rtol: 1e-3 } : { atol: 2e-5, rtol: 2e-4 };
}

for (const { backend, ignore, note } of BACKEND_CASES) {
  Deno.test({
    name: `gpu policy act, values and evaluate equal the reference on ${backend}${note}`,
    ignore,
    async fn() {
      for (const shape of shapesFor(backend)) {
        const layout = paramLayout(shape.config);
        const params = initParams(layout, new Rng(7));
        // The heads' init gain (0.01) makes every policy near-uniform; scale them up so sampling is exercised.
        for (const layer of layout.actor.slice(-1)) {
          for (let i = layer.weightOffset; i < layer.weightOffset + layer.inDim * layer.outDim; i++) {
            params[i] = params[i]! * 100;
          }
        }
        const reference = createReferencePolicy(layout, { params });
        const gpu = await createGpuPolicy(layout, { backend, params });
        const tolerance = toleranceOf(layout);
        try {
          for (const batch of shape.batches) {
            const rng = new Rng(batch);
            const obs = observations(layout, batch, rng);
            const noise = noiseFor(layout, batch, rng);
            const mask = shape.masked ? maskFor(layout, batch, rng) : undefined;
            for (const deterministic of [false, true]) {
              const input = { obs, batch, noise, deterministic, ...(mask ? { mask } : {}) };
              const expected = actOutput(layout, batch);
              const actual = actOutput(layout, batch);
              reference.act(input, expected);
              await gpu.act(input, actual);
              const where = `${shape.name} batch ${batch}${deterministic ? " deterministic" : ""}`;
              if (layout.config.head.kind === "categorical") {
                // Inverse-CDF sampling in float32 vs float64 may differ where a uniform lies within rounding of a
                // cumulative probability; with these seeds none does, so every action must agree.
                assert.deepEqual(
                  Array.from(actual.actions),
                  Array.from(expected.actions),
                  `actions ${where}`,
                );
                if (mask) {
                  actual.actions.forEach((a, b) =>
                    assert.equal(mask[b * 4 + a], 1, `masked action ${where}`)
                  );
                }
              } else {
                assertClose(actual.actions, expected.actions, `actions ${where}`, tolerance);
              }
              assertClose(actual.logProbs, expected.logProbs, `log-probs ${where}`, tolerance);
              assertClose(actual.values, expected.values, `values ${where}`, tolerance);
            }
            const values = new Float32Array(batch);
            await gpu.values(obs, batch, values);
            const expectedValues = new Float32Array(batch);
            reference.values(obs, batch, expectedValues);
            assertClose(values, expectedValues, `values() ${shape.name} batch ${batch}`, tolerance);

            const actions = actOutput(layout, batch).actions;
            reference.act({ obs, batch, noise, ...(mask ? { mask } : {}) }, {
              ...actOutput(layout, batch),
              actions,
            });
            const expected = { logProbs: new Float32Array(batch), entropy: new Float32Array(batch), values };
            reference.evaluate(obs, actions, batch, { ...expected, values: new Float32Array(batch) }, mask);
            const actual = {
              logProbs: new Float32Array(batch),
              entropy: new Float32Array(batch),
              values: new Float32Array(batch),
            };
            await gpu.evaluate(obs, actions, batch, actual, mask);
            assertClose(
              actual.logProbs,
              expected.logProbs,
              `evaluate log-probs ${shape.name} batch ${batch}`,
              tolerance,
            );
            assertClose(
              actual.entropy,
              expected.entropy,
              `evaluate entropy ${shape.name} batch ${batch}`,
              tolerance,
            );
            assertClose(
              actual.values,
              expectedValues,
              `evaluate values ${shape.name} batch ${batch}`,
              tolerance,
            );
          }
          assert.equal(gpu.backend, backend);
        } finally {
          await gpu.dispose();
          reference.dispose();
        }
      }
    },
  });

  Deno.test({
    name: `gpu policy trainStep equals the reference after one and three steps on ${backend}${note}`,
    ignore,
    async fn() {
      for (const shape of shapesFor(backend)) {
        const layout = paramLayout(shape.config);
        for (const batch of shape.trainBatches) {
          const params = initParams(layout, new Rng(11));
          const reference = createReferencePolicy(layout, { params });
          // Threads forced on, so the worker-pool executor is the one checked wherever gpu.js can split a plan.
          const gpu = await createGpuPolicy(layout, { backend, params, threads: "on" });
          try {
            const rng = new Rng(100 + batch);
            const obs = observations(layout, batch, rng);
            const mask = shape.masked ? maskFor(layout, batch, rng) : undefined;
            const acted = actOutput(layout, batch);
            reference.act(
              { obs, batch, noise: noiseFor(layout, batch, rng), ...(mask ? { mask } : {}) },
              acted,
            );
            const minibatch: MinibatchData = {
              size: batch,
              obs,
              actions: acted.actions,
              oldLogProbs: acted.logProbs,
              advantages: Float32Array.from({ length: batch }, () => rng.normal()),
              returns: Float32Array.from({ length: batch }, () => rng.normal()),
              oldValues: acted.values,
              ...(mask ? { mask } : {}),
            };
            const options: TrainStepOptions = {
              learningRate: 1e-3,
              criticLearningRate: 3e-3,
              clipCoef: 0.2,
              clipVloss: true,
              entCoef: 0.01,
              vfCoef: 0.5,
              maxGradNorm: 0.5,
              normAdv: batch > 1,
            };
            const where = `${shape.name} minibatch ${batch}`;
            for (let step = 1; step <= 3; step++) {
              const expected = reference.trainStep(minibatch, options);
              const actual = await gpu.trainStep(minibatch, options);
              for (const key of Object.keys(expected) as (keyof typeof expected)[]) {
                assertClose([actual[key]], [expected[key]], `${key} at step ${step}, ${where}`, {
                  atol: 2e-5,
                  rtol: 2e-3,
                });
              }
              const gpuState = gpu.getOptimizerState();
              const referenceState = reference.getOptimizerState();
              assert.equal(gpuState.step, step);
              if (step === 1) {
                // After one step m = 0.1 * clipped gradient: the gradients themselves agree.
                assertClose(gpuState.m, referenceState.m, `first moment at step 1, ${where}`, {
                  atol: 1e-7,
                  rtol: 5e-3,
                });
              }
              // Adam's first steps move each parameter by about lr * sign(gradient); where a gradient is within
              // float32 rounding of 0 its sign can differ, so a few parameters may differ by up to 2 lr per step.
              const actualParams = gpu.getParams();
              const expectedParams = reference.getParams();
              let far = 0;
              for (let i = 0; i < layout.size; i++) {
                const difference = Math.abs(actualParams[i]! - expectedParams[i]!);
                assert.ok(difference <= 2 * 3e-3 * step + 1e-6, `parameter ${i} at step ${step}, ${where}`);
                if (difference > 1e-5) far++;
              }
              assert.ok(
                far <= layout.size * 0.002,
                `${far} parameters differ by more than 1e-5 at step ${step}, ${where}`,
              );
            }
            // The optimizer step ran on the backend asked for, fused where gpu.js fuses.
            assert.equal(gpu.backend, backend);
            const threaded = batch * Math.max(...layout.config.hidden) >= 8192;
            const executor = {
              cpu: "generic",
              webasm: threaded ? "fused-threaded" : "fused-sync",
              webgpu: "fused-encoder",
            };
            assert.equal(gpu.executor, executor[backend], where);
          } finally {
            await gpu.dispose();
            reference.dispose();
          }
        }
      }
    },
  });
}
