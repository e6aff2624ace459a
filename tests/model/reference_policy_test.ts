import assert from "node:assert/strict";
import { adamStep } from "../../src/core/adam_step.ts";
import { categoricalLogProb } from "../../src/core/categorical_log_prob.ts";
import { categoricalSample } from "../../src/core/categorical_sample.ts";
import { clipGradNorm } from "../../src/core/clip_grad_norm.ts";
import { Rng } from "../../src/core/rng.ts";
import { softmax } from "../../src/core/softmax.ts";
import { ReferenceActorCritic } from "../../src/model/reference_actor_critic.ts";
import { createReferencePolicy, type ReferencePolicy } from "../../src/model/reference_policy.ts";
import { paramLayout } from "../../src/model/param_layout.ts";
import type { MinibatchData, ParamLayout, TrainStepOptions } from "../../src/model/types.ts";
import { configs, layoutOf, randomParams, usesMask } from "./_fixtures.ts";

const trainOptions: TrainStepOptions = {
  learningRate: 2.5e-4,
  clipCoef: 0.2,
  clipVloss: true,
  entCoef: 0.01,
  vfCoef: 0.5,
  maxGradNorm: 0.5,
  normAdv: true,
};

interface Rollout {
  readonly obs: Float32Array;
  readonly noise: Float32Array;
  readonly mask?: Uint8Array;
  readonly actions: Float32Array;
  readonly logProbs: Float32Array;
  readonly values: Float32Array;
}

function actionDim(layout: ParamLayout): number {
  const head = layout.config.head;
  return head.kind === "categorical" ? 1 : head.dim;
}

/** Acts on `batch` random observations (masking one action per row where the fixture uses masks). */
function rollout(policy: ReferencePolicy, batch: number, seed: number): Rollout {
  const rng = new Rng(seed);
  const { config } = policy.layout;
  const head = config.head;
  const obs = Float32Array.from({ length: batch * config.obsDim }, () => rng.normal());
  const dim = actionDim(policy.layout);
  const noise = Float32Array.from(
    { length: batch * dim },
    () => (head.kind === "categorical" ? rng.random() : rng.normal()),
  );
  const mask = head.kind === "categorical" && usesMask(config)
    ? Uint8Array.from(
      { length: batch * head.n },
      (_, i) => (i % head.n === (i / head.n | 0) % head.n ? 0 : 1),
    )
    : undefined;
  const out = {
    actions: new Float32Array(batch * dim),
    logProbs: new Float32Array(batch),
    values: new Float32Array(batch),
  };
  policy.act(mask === undefined ? { obs, batch, noise } : { obs, batch, noise, mask }, out);
  return mask === undefined ? { obs, noise, ...out } : { obs, noise, mask, ...out };
}

/** A minibatch of the given rollout rows (in that order), with random advantages and returns. */
function minibatchOf(
  layout: ParamLayout,
  data: Rollout,
  rows: readonly number[],
  seed: number,
): MinibatchData {
  const rng = new Rng(seed);
  const { obsDim, head } = layout.config;
  const dim = actionDim(layout);
  const pick = (source: Float32Array, width: number) => {
    const out = new Float32Array(rows.length * width);
    rows.forEach((row, k) => out.set(source.subarray(row * width, (row + 1) * width), k * width));
    return out;
  };
  const minibatch = {
    size: rows.length,
    obs: pick(data.obs, obsDim),
    actions: pick(data.actions, dim),
    oldLogProbs: pick(data.logProbs, 1),
    advantages: Float32Array.from(rows, () => rng.normal()),
    returns: Float32Array.from(rows, () => rng.normal()),
    oldValues: pick(data.values, 1),
  };
  if (data.mask === undefined || head.kind !== "categorical") return minibatch;
  const mask = new Uint8Array(rows.length * head.n);
  rows.forEach((row, k) => mask.set(data.mask!.subarray(row * head.n, (row + 1) * head.n), k * head.n));
  return { ...minibatch, mask };
}

function createPolicy(name: string): ReferencePolicy {
  const layout = layoutOf(name);
  // Orthogonal initialisation of the 1024-wide trunk takes a second; random parameters test the same paths.
  return name.includes("1024")
    ? createReferencePolicy(layout, { params: Float32Array.from(randomParams(layout, 50)) })
    : createReferencePolicy(layout, { seed: 50 });
}

for (const name of Object.keys(configs)) {
  Deno.test(`trainStep() on the first minibatch after act() sees ratio exactly 1 (approxKl, clipfrac 0): ${name}`, () => {
    const policy = createPolicy(name);
    const data = rollout(policy, 24, 51);
    const rows = new Rng(52).shuffle(Array.from({ length: 24 }, (_, i) => i)).slice(0, 12);
    const stats = policy.trainStep(minibatchOf(policy.layout, data, rows, 53), trainOptions);
    assert.equal(stats.approxKl, 0);
    assert.equal(stats.oldApproxKl, 0);
    assert.equal(stats.clipfrac, 0);
    assert.ok(stats.gradNorm > 0 && Number.isFinite(stats.policyLoss) && stats.valueLoss > 0);
  });
}

Deno.test("act() log-probs and values equal evaluate() and values() bit for bit, so either can feed the ratio", () => {
  for (const name of ["8-64-64-4 tanh categorical (masked)", "3-64-64-1 tanh gaussian, learned log-std"]) {
    const policy = createPolicy(name);
    const data = rollout(policy, 16, 54);
    const evaluated = {
      logProbs: new Float32Array(16),
      entropy: new Float32Array(16),
      values: new Float32Array(16),
    };
    policy.evaluate(data.obs, data.actions, 16, evaluated, data.mask);
    assert.deepEqual(evaluated.logProbs, data.logProbs);
    assert.deepEqual(evaluated.values, data.values);
    const values = new Float32Array(16);
    policy.values(data.obs, 16, values);
    assert.deepEqual(values, data.values);
    const minibatch = minibatchOf(policy.layout, data, [3, 1, 4, 15, 9], 55);
    const fromEvaluate = {
      ...minibatch,
      oldLogProbs: Float32Array.from([3, 1, 4, 15, 9], (r) => evaluated.logProbs[r]!),
    };
    assert.equal(policy.trainStep(fromEvaluate, trainOptions).approxKl, 0);
  }
});

Deno.test("act() samples categorical actions by inverse CDF of the given uniforms and gaussian ones as mean + std * noise", () => {
  const categorical = createPolicy("4-64-64-2 tanh categorical");
  const data = rollout(categorical, 32, 56);
  const network = new ReferenceActorCritic(categorical.layout);
  const { policy: logits } = network.forward(categorical.getParams(), data.obs, 32);
  assert.deepEqual(data.actions, Float32Array.from(categoricalSample(logits, data.noise, { n: 2 })));
  assert.deepEqual(data.logProbs, Float32Array.from(categoricalLogProb(logits, data.actions, { n: 2 })));

  const gaussian = createPolicy("5-16-16-2 shared tanh gaussian");
  const params = gaussian.getParams();
  params.set([0.5, -1], gaussian.layout.logStdOffset);
  gaussian.setParams(params);
  const sampled = rollout(gaussian, 8, 57);
  const { policy: means } = new ReferenceActorCritic(gaussian.layout).forward(params, sampled.obs, 8);
  sampled.actions.forEach((a, i) => {
    assert.equal(a, Math.fround(means[i]! + Math.exp(i % 2 === 0 ? 0.5 : -1) * sampled.noise[i]!));
  });
});

Deno.test("act() with deterministic picks the most probable allowed action or the mean", () => {
  const policy = createPolicy("8-64-64-4 tanh categorical (masked)");
  const batch = 64;
  const obs = Float32Array.from({ length: batch * 8 }, (_, i) => Math.sin(i));
  const { policy: logits } = new ReferenceActorCritic(policy.layout).forward(policy.getParams(), obs, batch);
  const mask = new Uint8Array(batch * 4).fill(1);
  for (let b = 0; b < batch; b++) {
    const row = Array.from(logits.subarray(b * 4, b * 4 + 4));
    mask[b * 4 + row.indexOf(Math.max(...row))] = 0; // forbid the argmax: the runner-up must win
  }
  const out = {
    actions: new Float32Array(batch),
    logProbs: new Float32Array(batch),
    values: new Float32Array(batch),
  };
  policy.act({ obs, batch, noise: new Float32Array(0), mask, deterministic: true }, out);
  for (let b = 0; b < batch; b++) {
    const allowed = [0, 1, 2, 3].filter((j) => mask[b * 4 + j] === 1);
    const best = allowed.reduce((x, y) => (logits[b * 4 + y]! > logits[b * 4 + x]! ? y : x));
    assert.equal(out.actions[b], best);
  }
  const gaussian = createPolicy("3-64-64-1 tanh gaussian, learned log-std");
  const gObs = new Float32Array([0.1, 0.2, 0.3]);
  const gOut = { actions: new Float32Array(1), logProbs: new Float32Array(1), values: new Float32Array(1) };
  gaussian.act({ obs: gObs, batch: 1, noise: new Float32Array(0), deterministic: true }, gOut);
  const { policy: mean } = new ReferenceActorCritic(gaussian.layout).forward(gaussian.getParams(), gObs, 1);
  assert.equal(gOut.actions[0], Math.fround(mean[0]!));
});

Deno.test("act() never picks a masked action in 10^5 draws, even when it is the most probable one", () => {
  // A narrow network keeps 10^5 forward passes cheap; masking is the same code whatever the width.
  const layout = paramLayout({
    obsDim: 8,
    head: { kind: "categorical", n: 4 },
    hidden: [16],
    activation: "tanh",
    shared: false,
  });
  const params = Float32Array.from(randomParams(layout, 58), (x) => x * 3); // sharp: the argmax dominates
  const policy = createReferencePolicy(layout, { params });
  const network = new ReferenceActorCritic(layout);
  const rng = new Rng(58);
  const batch = 10_000;
  const counts = [0, 0, 0, 0];
  const out = {
    actions: new Float32Array(batch),
    logProbs: new Float32Array(batch),
    values: new Float32Array(batch),
  };
  for (let call = 0; call < 10; call++) {
    const obs = Float32Array.from({ length: batch * 8 }, () => rng.normal());
    const { policy: logits } = network.forward(params, obs, batch);
    const mask = new Uint8Array(batch * 4).fill(1);
    for (let b = 0; b < batch; b++) {
      let best = 0;
      for (let j = 1; j < 4; j++) if (logits[b * 4 + j]! > logits[b * 4 + best]!) best = j;
      mask[b * 4 + best] = 0;
    }
    if (call === 0) {
      const p = softmax(logits, 4);
      const maskedMass = p.reduce((sum, x, i) => sum + (mask[i] === 0 ? x : 0), 0) / batch;
      assert.ok(maskedMass > 0.6, `the masked actions would carry ${maskedMass} of the probability`);
    }
    const noise = Float32Array.from({ length: batch }, () => rng.random());
    policy.act({ obs, batch, noise, mask }, out);
    for (let b = 0; b < batch; b++) {
      const a = out.actions[b]!;
      if (mask[b * 4 + a] === 0) assert.fail(`row ${b} of call ${call} drew masked action ${a}`);
      counts[a]!++;
    }
  }
  assert.ok(counts.every((c) => c > 0), `counts ${counts}`);
});

Deno.test("trainStep() applies the loss gradient, global clipping and Adam exactly as the core functions do", () => {
  for (const name of ["5-16-16-2 shared tanh gaussian", "4-64-64-2 tanh categorical"]) {
    const policy = createPolicy(name);
    const { layout } = policy;
    const options = { ...trainOptions, criticLearningRate: 1e-3, adamEps: 1e-7 };
    const data = rollout(policy, 16, 59);
    const minibatch = minibatchOf(layout, data, [0, 2, 4, 6, 8, 10, 12, 14], 60);
    policy.trainStep(minibatch, options); // a first step, so moments are non-zero
    const params = policy.getParams();
    const state = policy.getOptimizerState();
    const second = minibatchOf(layout, rollout(policy, 16, 61), [1, 3, 5, 7, 9, 11, 13, 15], 62);
    const stats = policy.trainStep(second, options);

    const gradient = new Float64Array(layout.size);
    const expectedStats = new ReferenceActorCritic(layout).lossAndGradient(params, second, {
      ...options,
      gradient,
      roundLogProbs: true,
    });
    const { norm } = clipGradNorm(gradient, options.maxGradNorm);
    const ranges = layout.tensors.filter((t) => t.trainable).map((t) => ({
      offset: t.offset,
      size: t.size,
      learningRate: t.group === "critic" ? options.criticLearningRate : options.learningRate,
    }));
    const expected = { params, m: state.m.slice(), v: state.v.slice() };
    adamStep(expected, gradient, { step: 2, learningRate: options.learningRate, eps: 1e-7, ranges });
    assert.equal(stats.gradNorm, norm);
    assert.equal(stats.policyLoss, expectedStats.policyLoss);
    assert.deepEqual(policy.getParams(), expected.params);
    assert.deepEqual(policy.getOptimizerState(), { m: expected.m, v: expected.v, step: 2 });
  }
});

Deno.test("trainStep() never changes a fixed log-std and does train a learned one", () => {
  for (
    const [name, changes] of [
      ["3-64-64-1 tanh gaussian, fixed log-std", false],
      ["3-64-64-1 tanh gaussian, learned log-std", true],
    ] as const
  ) {
    const policy = createPolicy(name);
    const offset = policy.layout.logStdOffset;
    const before = policy.getParams()[offset];
    const data = rollout(policy, 16, 63);
    policy.trainStep(minibatchOf(policy.layout, data, [0, 1, 2, 3, 4, 5, 6, 7], 64), {
      ...trainOptions,
      entCoef: 0.1,
    });
    assert.equal(policy.getParams()[offset] !== before, changes, name);
  }
});

Deno.test("trainStep() with criticLearningRate 0 trains only the actor group, shared trunk included", () => {
  for (const name of ["4-64-64-2 tanh categorical", "5-16-16-2 shared tanh gaussian"]) {
    const policy = createPolicy(name);
    const before = policy.getParams();
    const data = rollout(policy, 16, 65);
    policy.trainStep(minibatchOf(policy.layout, data, [0, 1, 2, 3, 4, 5, 6, 7], 66), {
      ...trainOptions,
      criticLearningRate: 0,
    });
    const after = policy.getParams();
    for (const tensor of policy.layout.tensors) {
      const changed = after.subarray(tensor.offset, tensor.offset + tensor.size)
        .some((x, i) => x !== before[tensor.offset + i]);
      assert.equal(changed, tensor.group === "actor", `${name}: ${tensor.name}`);
    }
  }
});

Deno.test("trainStep() repeated on one minibatch lowers its loss", () => {
  const policy = createPolicy("8-64-64-4 tanh categorical (masked)");
  const minibatch = minibatchOf(
    policy.layout,
    rollout(policy, 32, 67),
    Array.from({ length: 32 }, (_, i) => i),
    68,
  );
  const options = { ...trainOptions, learningRate: 1e-3, maxGradNorm: Infinity };
  const total = (s: { policyLoss: number; entropy: number; valueLoss: number }) =>
    s.policyLoss - options.entCoef * s.entropy + options.vfCoef * s.valueLoss;
  const first = total(policy.trainStep(minibatch, options));
  let last = first;
  for (let i = 0; i < 30; i++) last = total(policy.trainStep(minibatch, options));
  assert.ok(last < first - 0.05, `loss ${first} -> ${last}`);
});

Deno.test("getParams()/setParams() and get/setOptimizerState() resume training bit for bit", () => {
  const name = "3-64-64-1 tanh gaussian, learned log-std";
  const a = createPolicy(name);
  const minibatches = [69, 70, 71].map((seed) =>
    minibatchOf(a.layout, rollout(createPolicy(name), 16, seed), [0, 1, 2, 3, 4, 5, 6, 7], seed)
  );
  a.trainStep(minibatches[0]!, trainOptions);
  const b = createReferencePolicy(a.layout, { params: a.getParams() });
  b.setOptimizerState(a.getOptimizerState());
  for (const minibatch of minibatches.slice(1)) {
    a.trainStep(minibatch, trainOptions);
    b.trainStep(minibatch, trainOptions);
  }
  assert.deepEqual(b.getParams(), a.getParams());
  assert.deepEqual(b.getOptimizerState(), a.getOptimizerState());
  assert.equal(a.getOptimizerState().step, 3);
});

Deno.test("trainStep() refuses a non-finite gradient with a RangeError naming tensor and step, changing nothing", () => {
  const policy = createPolicy("4-64-64-2 tanh categorical");
  const data = rollout(policy, 16, 72);
  const good = minibatchOf(policy.layout, data, [0, 1, 2, 3, 4, 5, 6, 7], 73);
  policy.trainStep(good, trainOptions);
  policy.trainStep(good, trainOptions);
  const params = policy.getParams();
  const state = policy.getOptimizerState();
  // Old log-probs of -1e30 make ratio = exp(1e30) = Infinity; with negative advantages the unclipped branch wins.
  const bad = {
    ...good,
    oldLogProbs: new Float32Array(8).fill(-1e30),
    advantages: new Float32Array(8).fill(-1),
  };
  assert.throws(
    () => policy.trainStep(bad, { ...trainOptions, normAdv: false }),
    (error: unknown) =>
      error instanceof RangeError &&
      /^Cannot apply update as the gradient of actor\.\d\.(weight|bias) is not finite at optimizer step 3: current value is (NaN|-?Infinity)$/
        .test(error.message),
  );
  assert.deepEqual(policy.getParams(), params);
  assert.deepEqual(policy.getOptimizerState(), state);
  assert.equal(policy.trainStep(good, trainOptions).gradNorm > 0, true); // still usable, now step 3
  assert.equal(policy.getOptimizerState().step, 3);
});

Deno.test("trainStep() refuses an update that overflows the float32 parameters, changing nothing", () => {
  const policy = createPolicy("4-64-64-2 tanh categorical");
  const minibatch = minibatchOf(policy.layout, rollout(policy, 8, 74), [0, 1, 2, 3, 4, 5, 6, 7], 75);
  const params = policy.getParams();
  assert.throws(
    () => policy.trainStep(minibatch, { ...trainOptions, learningRate: 1e39 }),
    {
      name: "RangeError",
      message:
        /^Cannot apply update as the updated value of actor\.0\.weight is not finite at optimizer step 1: current value is -?Infinity$/,
    },
  );
  assert.deepEqual(policy.getParams(), params);
  assert.equal(policy.getOptimizerState().step, 0);
});

Deno.test("the reference policy rejects inputs of the wrong shape with a TypeError and bad values with a RangeError", () => {
  const policy = createPolicy("8-64-64-4 tanh categorical (masked)");
  const out = { actions: new Float32Array(2), logProbs: new Float32Array(2), values: new Float32Array(2) };
  const obs = new Float32Array(16);
  const noise = new Float32Array([0.1, 0.9]);
  assert.throws(
    () => policy.act({ obs: new Float32Array(15), batch: 2, noise }, out),
    /obs must have length 16/,
  );
  assert.throws(() => policy.act({ obs, batch: 2, noise: new Float32Array(1) }, out), TypeError);
  assert.throws(() => policy.act({ obs, batch: 2, noise, mask: new Uint8Array(7) }, out), TypeError);
  assert.throws(
    () => policy.act({ obs, batch: 2, noise }, { ...out, values: new Float32Array(3) }),
    TypeError,
  );
  assert.throws(
    () => policy.act({ obs: obs.map((_, i) => i === 3 ? NaN : 0), batch: 2, noise }, out),
    RangeError,
  );
  assert.throws(() => policy.act({ obs, batch: 2, noise: new Float32Array([0.5, 1]) }, out), RangeError);
  assert.throws(() => policy.act({ obs, batch: 0, noise: new Float32Array(0) }, out), RangeError);
  assert.throws(() => policy.act({ obs, batch: 2, noise, mask: new Uint8Array(8) }, out), /allows no action/);
  assert.throws(() => policy.values(obs, 2, new Float32Array(1)), TypeError);
  const evaluated = {
    logProbs: new Float32Array(2),
    entropy: new Float32Array(2),
    values: new Float32Array(2),
  };
  assert.throws(() => policy.evaluate(obs, new Float32Array([0, 4]), 2, evaluated), RangeError);
  assert.throws(() => policy.evaluate(obs, new Float32Array([0]), 2, evaluated), TypeError);
  assert.throws(() => policy.setParams(new Float32Array(3)), TypeError);
  assert.throws(() => policy.setParams(new Float32Array(policy.layout.size).fill(Infinity)), RangeError);
  const state = policy.getOptimizerState();
  assert.throws(() => policy.setOptimizerState({ ...state, m: new Float32Array(1) }), TypeError);
  assert.throws(() => policy.setOptimizerState({ ...state, step: -1 }), RangeError);

  const minibatch = minibatchOf(policy.layout, rollout(policy, 8, 76), [0, 1, 2, 3], 77);
  assert.throws(
    () => policy.trainStep({ ...minibatch, returns: new Float32Array(3) }, trainOptions),
    TypeError,
  );
  assert.throws(
    () => policy.trainStep({ ...minibatch, returns: new Float32Array(4).fill(NaN) }, trainOptions),
    RangeError,
  );
  assert.throws(() => policy.trainStep(minibatch, { ...trainOptions, learningRate: -1 }), RangeError);
  assert.throws(() => policy.trainStep(minibatch, { ...trainOptions, maxGradNorm: 0 }), RangeError);
  assert.throws(() => policy.trainStep(minibatch, { ...trainOptions, adamEps: 0 }), RangeError);
  assert.throws(
    () => policy.trainStep({ ...minibatch, size: 1, obs: minibatch.obs.subarray(0, 8) }, trainOptions),
    TypeError,
  );
  assert.equal(policy.getOptimizerState().step, 0);
});

Deno.test("createReferencePolicy() initialises from a seed or rng reproducibly, and dispose() ends the engine", () => {
  const layout = layoutOf("4-64-64-2 tanh categorical");
  assert.deepEqual(
    createReferencePolicy(layout, { seed: 3 }).getParams(),
    createReferencePolicy(layout, { rng: new Rng(3) }).getParams(),
  );
  assert.notDeepEqual(
    createReferencePolicy(layout, { seed: 3 }).getParams(),
    createReferencePolicy(layout).getParams(),
  );
  assert.throws(() => createReferencePolicy(layout, { params: new Float32Array(2) }), TypeError);
  const policy = createReferencePolicy(layout);
  assert.equal(policy.engine, "reference");
  policy.dispose();
  assert.throws(() => policy.getParams(), /disposed/);
});
