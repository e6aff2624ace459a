import assert from "node:assert/strict";
import { Rng } from "../../src/core/rng.ts";
import { paramLayout } from "../../src/model/param_layout.ts";
import { createReferencePolicy } from "../../src/model/reference_policy.ts";
import { createThreadedPolicy } from "../../src/model/threaded_policy.ts";
import { createWasmPolicy } from "../../src/model/wasm_policy.ts";
import { createGpuPolicy } from "../../src/model/gpu_policy.ts";
import type {
  ActorCriticConfig,
  MinibatchData,
  ParamLayout,
  PolicyEngine,
  TrainStepOptions,
} from "../../src/model/types.ts";
import { randomParams } from "./_fixtures.ts";

const GAUSSIAN: ActorCriticConfig = {
  obsDim: 3,
  head: { kind: "gaussian", dim: 2, logStd: "learned", initLogStd: 0 },
  hidden: [8, 8],
  activation: "tanh",
  shared: false,
};

const CATEGORICAL: ActorCriticConfig = {
  obsDim: 4,
  head: { kind: "categorical", n: 2 },
  hidden: [8],
  activation: "tanh",
  shared: false,
};

const OPTIONS: TrainStepOptions = {
  learningRate: 1e-2,
  criticLearningRate: 3e-2,
  clipCoef: 0.2,
  clipVloss: false,
  entCoef: 0.01,
  vfCoef: 0.5,
  maxGradNorm: 0.5,
  normAdv: true,
};

/** A minibatch acted by the engine itself (old log-probs and values are its own), with random advantages. */
function minibatch(engine: PolicyEngine, size: number, seed: number): MinibatchData {
  const rng = new Rng(seed);
  const { obsDim, head } = engine.layout.config;
  const actionDim = head.kind === "categorical" ? 1 : head.dim;
  const obs = Float32Array.from({ length: size * obsDim }, () => rng.normal());
  const noise = Float32Array.from({ length: size * actionDim }, () => rng.random());
  const out = {
    actions: new Float32Array(size * actionDim),
    logProbs: new Float32Array(size),
    values: new Float32Array(size),
  };
  const acted = engine.act({ obs, batch: size, noise }, out);
  assert.equal(acted, undefined);
  return {
    size,
    obs,
    actions: out.actions,
    oldLogProbs: out.logProbs,
    advantages: Float32Array.from({ length: size }, () => rng.normal()),
    returns: Float32Array.from({ length: size }, () => rng.normal() * 3),
    oldValues: out.values,
  };
}

/** The flat indices of a group's tensors. */
function indicesOf(layout: ParamLayout, group: "actor" | "critic"): number[] {
  return layout.tensors.filter((t) => t.group === group).flatMap((t) =>
    Array.from({ length: t.size }, (_, i) => t.offset + i)
  );
}

function pick(values: Float32Array, indices: number[]): number[] {
  return indices.map((i) => values[i]!);
}

function engineFor(config: ActorCriticConfig) {
  const layout = paramLayout(config);
  return createReferencePolicy(layout, { params: Float32Array.from(randomParams(layout, 3)) });
}

Deno.test("trainStep() with part leaves the other part's parameters and Adam moments exactly as they were", () => {
  for (const config of [GAUSSIAN, CATEGORICAL]) {
    for (const part of ["actor", "critic"] as const) {
      const engine = engineFor(config);
      const data = minibatch(engine, 16, 1);
      // A joint step first, so both parts have non-zero moments to keep.
      engine.trainStep(data, OPTIONS);
      const other = indicesOf(engine.layout, part === "actor" ? "critic" : "actor");
      const own = indicesOf(engine.layout, part).filter((i) =>
        engine.layout.tensors.some((t) => t.trainable && i >= t.offset && i < t.offset + t.size)
      );
      const params = engine.getParams();
      const state = engine.getOptimizerState();
      for (let step = 0; step < 3; step++) {
        engine.trainStep(minibatch(engine, 16, 2 + step), { ...OPTIONS, part });
      }
      const after = engine.getParams();
      const afterState = engine.getOptimizerState();
      assert.deepEqual(pick(after, other), pick(params, other), `${part}: other parameters`);
      assert.deepEqual(pick(afterState.m, other), pick(state.m, other), `${part}: other first moments`);
      assert.deepEqual(pick(afterState.v, other), pick(state.v, other), `${part}: other second moments`);
      assert.ok(own.every((i) => after[i] !== params[i]), `${part}: every own parameter moved`);
      // Separate optimizers: only the trained part's step count advances.
      assert.equal(afterState.step, part === "actor" ? 4 : 1);
      assert.equal(afterState.criticStep ?? afterState.step, part === "critic" ? 4 : 1);
    }
  }
});

Deno.test("trainStep() with part reports only its part's losses, and the gradient norm of its part", () => {
  const engine = engineFor(GAUSSIAN);
  const data = minibatch(engine, 16, 4);
  const both = engineFor(GAUSSIAN).trainStep(data, OPTIONS);
  const actor = engineFor(GAUSSIAN).trainStep(data, { ...OPTIONS, part: "actor" });
  const critic = engineFor(GAUSSIAN).trainStep(data, { ...OPTIONS, part: "critic" });
  assert.equal(actor.valueLoss, 0);
  assert.equal(actor.policyLoss, both.policyLoss);
  assert.equal(actor.entropy, both.entropy);
  assert.equal(actor.approxKl, both.approxKl);
  assert.deepEqual(
    [critic.policyLoss, critic.entropy, critic.approxKl, critic.oldApproxKl, critic.clipfrac],
    [0, 0, 0, 0, 0],
  );
  assert.equal(critic.valueLoss, both.valueLoss);
  assert.ok(
    Math.abs(actor.gradNorm ** 2 + critic.gradNorm ** 2 - both.gradNorm ** 2) < 1e-9 * both.gradNorm ** 2,
  );
});

Deno.test("trainStep() with part actor equals a joint first step whose value loss weighs nothing", () => {
  const data = minibatch(engineFor(CATEGORICAL), 16, 5);
  const actorOnly = engineFor(CATEGORICAL);
  actorOnly.trainStep(data, { ...OPTIONS, part: "actor" });
  const joint = engineFor(CATEGORICAL);
  joint.trainStep(data, { ...OPTIONS, vfCoef: 0 });
  assert.deepEqual(actorOnly.getParams(), joint.getParams());
});

Deno.test("trainStep() refuses a part of a shared trunk and an unknown part, before changing anything", () => {
  const shared = engineFor({ ...GAUSSIAN, shared: true });
  const before = shared.getParams();
  const data = minibatch(shared, 8, 6);
  assert.throws(
    () => shared.trainStep(data, { ...OPTIONS, part: "critic" }),
    (error: Error) =>
      error instanceof TypeError &&
      error.message ===
        "Cannot train a part of the network as the actor and critic share a trunk: current value is critic",
  );
  assert.deepEqual(shared.getParams(), before);
  const engine = engineFor(GAUSSIAN);
  assert.throws(
    () => engine.trainStep(data, { ...OPTIONS, part: "policy" as never }),
    /Cannot train as part must be "both", "actor" or "critic": current value is policy/,
  );
});

Deno.test("the threaded engine trains a part as the reference engine does", async () => {
  const layout = paramLayout(GAUSSIAN);
  const params = Float32Array.from(randomParams(layout, 3));
  const threaded = await createThreadedPolicy(layout, { params, threads: "on" });
  try {
    const reference = createReferencePolicy(layout, { params });
    for (const part of ["actor", "critic", "both"] as const) {
      const data = minibatch(reference, 16, 7);
      const expected = reference.trainStep(data, { ...OPTIONS, part });
      const actual = await threaded.trainStep(data, { ...OPTIONS, part });
      assert.deepEqual(actual, expected, part);
      assert.deepEqual(threaded.getParams(), reference.getParams(), part);
    }
  } finally {
    await threaded.dispose();
  }
});

Deno.test("the wasm engine leaves the other part's parameters and Adam moments exactly as they were", async () => {
  for (const config of [GAUSSIAN, CATEGORICAL]) {
    const layout = paramLayout(config);
    for (const part of ["actor", "critic"] as const) {
      const engine = await createWasmPolicy(layout, { params: Float32Array.from(randomParams(layout, 3)) });
      try {
        engine.trainStep(minibatch(engine, 16, 1), OPTIONS);
        const other = indicesOf(layout, part === "actor" ? "critic" : "actor");
        const params = engine.getParams();
        const state = engine.getOptimizerState();
        for (let step = 0; step < 3; step++) {
          engine.trainStep(minibatch(engine, 16, 2 + step), { ...OPTIONS, part });
        }
        const after = engine.getParams();
        const afterState = engine.getOptimizerState();
        assert.deepEqual(pick(after, other), pick(params, other), `${part}: other parameters`);
        assert.deepEqual(pick(afterState.m, other), pick(state.m, other), `${part}: other first moments`);
        assert.deepEqual(pick(afterState.v, other), pick(state.v, other), `${part}: other second moments`);
        assert.equal(afterState.step, part === "actor" ? 4 : 1);
        assert.equal(afterState.criticStep ?? afterState.step, part === "critic" ? 4 : 1);
      } finally {
        engine.dispose();
      }
    }
  }
});

Deno.test("the wasm engine trains a part as the reference engine does, within float32 rounding", async () => {
  const layout = paramLayout(GAUSSIAN);
  const params = Float32Array.from(randomParams(layout, 3));
  const wasm = await createWasmPolicy(layout, { params: params.slice() });
  const reference = createReferencePolicy(layout, { params: params.slice() });
  try {
    for (const part of ["actor", "critic", "both", "critic", "actor"] as const) {
      const data = minibatch(reference, 16, 7);
      const expected = reference.trainStep(data, { ...OPTIONS, part }) as unknown as Record<string, number>;
      const actual = wasm.trainStep(data, { ...OPTIONS, part }) as unknown as Record<string, number>;
      for (const key of Object.keys(expected)) {
        assert.ok(
          Math.abs(actual[key]! - expected[key]!) <= 1e-4 * Math.max(1, Math.abs(expected[key]!)),
          `${part} ${key}`,
        );
      }
      const error = Math.max(
        ...Array.from(wasm.getParams(), (v, i) => Math.abs(v - reference.getParams()[i]!)),
      );
      assert.ok(error < 1e-5, `${part}: parameters differ by ${error}`);
    }
  } finally {
    wasm.dispose();
  }
});

Deno.test("the gpu.js engine trains a part as the reference engine does, leaving the other part exactly", async () => {
  const layout = paramLayout(GAUSSIAN);
  const params = Float32Array.from(randomParams(layout, 3));
  const gpu = await createGpuPolicy(layout, { backend: "cpu", params: params.slice() });
  const reference = createReferencePolicy(layout, { params: params.slice() });
  try {
    for (const part of ["actor", "critic", "both", "critic", "actor"] as const) {
      const data = minibatch(reference, 16, 7);
      const other = part === "both" ? [] : indicesOf(layout, part === "actor" ? "critic" : "actor");
      const before = { params: gpu.getParams(), state: gpu.getOptimizerState() };
      const expected = reference.trainStep(data, { ...OPTIONS, part }) as unknown as Record<string, number>;
      const actual = await gpu.trainStep(data, { ...OPTIONS, part }) as unknown as Record<string, number>;
      for (const key of Object.keys(expected)) {
        assert.ok(
          Math.abs(actual[key]! - expected[key]!) <= 1e-4 * Math.max(1, Math.abs(expected[key]!)),
          `${part} ${key}: ${actual[key]} vs ${expected[key]}`,
        );
      }
      const after = { params: gpu.getParams(), state: gpu.getOptimizerState() };
      assert.deepEqual(pick(after.params, other), pick(before.params, other), `${part}: other parameters`);
      assert.deepEqual(pick(after.state.m, other), pick(before.state.m, other), `${part}: other moments`);
      const error = Math.max(...Array.from(after.params, (v, i) => Math.abs(v - reference.getParams()[i]!)));
      assert.ok(error < 1e-5, `${part}: parameters differ by ${error}`);
    }
    assert.deepEqual(gpu.getOptimizerState().criticStep, reference.getOptimizerState().criticStep);
  } finally {
    await gpu.dispose();
  }
});

Deno.test("actor and critic have separate optimizers: critic steps in between leave the actor's updates bit-identical", async () => {
  const layout = paramLayout(GAUSSIAN);
  const params = Float32Array.from(randomParams(layout, 3));
  const engines: PolicyEngine[] = [
    createReferencePolicy(layout, { params: params.slice() }),
    await createWasmPolicy(layout, { params: params.slice() }),
    await createGpuPolicy(layout, { backend: "cpu", params: params.slice() }),
  ];
  try {
    for (const make of engines.map((engine) => () => engine)) {
      const interleaved = make();
      const alone = interleaved.engine === "wasm"
        ? await createWasmPolicy(layout, { params: params.slice() })
        : interleaved.engine === "reference"
        ? createReferencePolicy(layout, { params: params.slice() })
        : await createGpuPolicy(layout, { backend: "cpu", params: params.slice() });
      try {
        const batches = [1, 2, 3].map((seed) =>
          minibatch(createReferencePolicy(layout, { params }), 16, seed)
        );
        for (const batch of batches) {
          await interleaved.trainStep(batch, { ...OPTIONS, part: "actor" });
          await interleaved.trainStep(batch, { ...OPTIONS, part: "critic" });
          await interleaved.trainStep(batch, { ...OPTIONS, part: "critic" });
          await alone.trainStep(batch, { ...OPTIONS, part: "actor" });
        }
        const actor = indicesOf(layout, "actor");
        assert.deepEqual(
          pick(interleaved.getParams(), actor),
          pick(alone.getParams(), actor),
          interleaved.engine,
        );
        const state = await interleaved.getOptimizerState();
        assert.deepEqual([state.step, state.criticStep], [3, 6], interleaved.engine);
      } finally {
        await alone.dispose();
      }
    }
  } finally {
    for (const engine of engines) await engine.dispose();
  }
});

Deno.test("a checkpoint keeps the critic's own step count, and every engine continues from it", async () => {
  const { saveCheckpoint, loadCheckpoint } = await import("../../src/io/checkpoint.ts");
  const layout = paramLayout(CATEGORICAL);
  const engine = engineFor(CATEGORICAL);
  const data = minibatch(engine, 8, 9);
  engine.trainStep(data, OPTIONS);
  engine.trainStep(data, { ...OPTIONS, part: "critic" });
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/c.safetensors`;
    await saveCheckpoint(path, {
      params: engine.getParams(),
      tensors: layout.tensors,
      optimizer: engine.getOptimizerState(),
      metadata: {},
    });
    const loaded = await loadCheckpoint(path);
    assert.deepEqual([loaded.optimizer.step, loaded.optimizer.criticStep], [1, 2]);
    const restored = engineFor(CATEGORICAL);
    restored.setOptimizerState(loaded.optimizer);
    assert.deepEqual(restored.getOptimizerState(), engine.getOptimizerState());
    const gpu = await createGpuPolicy(layout, { backend: "cpu", params: engine.getParams() });
    try {
      gpu.setOptimizerState(loaded.optimizer);
      assert.deepEqual(gpu.getOptimizerState().criticStep, 2);
    } finally {
      await gpu.dispose();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
