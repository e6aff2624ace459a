import assert from "node:assert/strict";
import { Rng } from "../../src/core/rng.ts";
import { ReferenceActorCritic } from "../../src/model/reference_actor_critic.ts";
import { createReferencePolicy } from "../../src/model/reference_policy.ts";
import { createThreadedPolicy } from "../../src/model/threaded_policy.ts";
import type { MinibatchData, ParamLayout, PolicyEngine, TrainStepOptions } from "../../src/model/types.ts";
import { actedMinibatch, configs, layoutOf, minibatchFor, randomParams } from "./_fixtures.ts";

const separate = Object.keys(configs).filter((name) => !configs[name]!.shared);

/** Acts on random observations with `engine`, then builds minibatches of those rows (as the pipeline does). */
function minibatches(engine: PolicyEngine, seed: number, sizes: readonly number[]): MinibatchData[] {
  const rng = new Rng(seed);
  return sizes.map((size) => actedMinibatch(engine, rng, size));
}

function startParams(layout: ParamLayout): Float32Array {
  return Float32Array.from(randomParams(layout, 7));
}

const options: TrainStepOptions = {
  learningRate: 3e-3,
  clipCoef: 0.2,
  clipVloss: true,
  entCoef: 0.01,
  vfCoef: 0.5,
  maxGradNorm: 0.5,
  normAdv: true,
};

for (const name of separate) {
  Deno.test(`the threaded engine's parameters, moments and stats equal the reference's bit for bit: ${name}`, async () => {
    const layout = layoutOf(name);
    const reference = createReferencePolicy(layout, { params: startParams(layout) });
    const threaded = await createThreadedPolicy(layout, { params: startParams(layout), threads: "on" });
    try {
      assert.equal(threaded.engine, "threaded");
      // Growing minibatches make the worker take new shared buffers mid-run; value clipping on and off.
      const sizes = [8, 8, 32, 5, 64, 64];
      for (const [k, minibatch] of minibatches(reference, 11, sizes).entries()) {
        const stepOptions = { ...options, clipVloss: k % 2 === 0, normAdv: k !== 3 };
        const expected = reference.trainStep(minibatch, stepOptions);
        const actual = threaded.trainStep(minibatch, stepOptions);
        assert.deepEqual(actual, expected);
      }
      // Bit for bit: the split changes no operation or its order, only which thread runs it.
      assert.deepEqual(threaded.getParams(), reference.getParams());
      assert.deepEqual(threaded.getOptimizerState(), reference.getOptimizerState());
    } finally {
      threaded.dispose();
    }
  });
}

Deno.test("the threaded engine's first minibatch after acting sees ratio exactly 1", async () => {
  const layout = layoutOf("4-64-64-2 tanh categorical");
  const threaded = await createThreadedPolicy(layout, { seed: 3, threads: "on" });
  try {
    const [minibatch] = minibatches(threaded, 12, [16]);
    const stats = threaded.trainStep(minibatch!, options);
    assert.equal(stats.approxKl, 0);
    assert.equal(stats.clipfrac, 0);
  } finally {
    threaded.dispose();
  }
});

Deno.test("the actor and critic parts of lossAndGradient add up to the whole, bit for bit", () => {
  const layout = layoutOf("3-64-64-1 tanh gaussian, learned log-std");
  const network = new ReferenceActorCritic(layout);
  const params = randomParams(layout, 4);
  const fixture = minibatchFor(network, params, 16, 5);
  const lossOptions = { clipCoef: 0.2, clipVloss: true, entCoef: 0.01, vfCoef: 0.5, normAdv: true };
  const whole = new Float64Array(layout.size);
  const expected = network.lossAndGradient(params, fixture, { ...lossOptions, gradient: whole });
  const split = new Float64Array(layout.size);
  const actor = network.lossAndGradient(params, fixture, { ...lossOptions, gradient: split, part: "actor" });
  const critic = network.lossAndGradient(params, fixture, {
    ...lossOptions,
    gradient: split,
    part: "critic",
  });
  assert.deepEqual(split, whole);
  assert.equal(actor.loss + critic.loss, expected.loss);
  assert.deepEqual(
    [actor.policyLoss, critic.valueLoss, actor.entropy, actor.approxKl, actor.clipfrac],
    [expected.policyLoss, expected.valueLoss, expected.entropy, expected.approxKl, expected.clipfrac],
  );
});

Deno.test("createThreadedPolicy() falls back to one thread for a shared trunk, and refuses a part of it", async () => {
  const layout = layoutOf("5-16-16-2 shared tanh gaussian");
  const engine = await createThreadedPolicy(layout, { seed: 1 });
  assert.equal(engine.engine, "reference");
  engine.dispose();
  const network = new ReferenceActorCritic(layout);
  const params = randomParams(layout, 4);
  assert.throws(
    () =>
      network.lossAndGradient(params, minibatchFor(network, params, 4, 5), {
        clipCoef: 0.2,
        clipVloss: false,
        entCoef: 0,
        vfCoef: 0.5,
        normAdv: false,
        gradient: new Float64Array(layout.size),
        part: "actor",
      }),
    /Cannot compute a part of the gradient as the actor and critic share a trunk: current value is actor/,
  );
});

Deno.test("the threaded engine refuses a non-finite update unchanged, and ends its worker on dispose", async () => {
  const layout = layoutOf("4-64-64-2 tanh categorical");
  const threaded = await createThreadedPolicy(layout, { seed: 2, threads: "on" });
  const [minibatch] = minibatches(threaded, 13, [8]);
  const before = threaded.getParams();
  const bad = {
    ...minibatch!,
    oldLogProbs: new Float32Array(8).fill(-1e30),
    advantages: new Float32Array(8).fill(-1),
  };
  assert.throws(() => threaded.trainStep(bad, { ...options, normAdv: false }), RangeError);
  assert.deepEqual(threaded.getParams(), before);
  threaded.dispose();
  threaded.dispose();
  assert.throws(() => threaded.trainStep(minibatch!, options), /disposed/);
});

Deno.test("the threaded engine gives the same numbers with threads on, off and auto over a schedule window", async () => {
  const layout = layoutOf("8-64-64-4 tanh categorical (masked)");
  const engines = await Promise.all(
    (["on", "off", "auto"] as const).map((threads) => createThreadedPolicy(layout, { seed: 5, threads })),
  );
  try {
    // 12 steps cross auto's trial phases (4 on two threads, 4 on one, then the faster).
    const batches = minibatches(engines[0]!, 14, Array.from({ length: 12 }, () => 16));
    const stats = engines.map((engine) => batches.map((minibatch) => engine.trainStep(minibatch, options)));
    assert.deepEqual(stats[1], stats[0]);
    assert.deepEqual(stats[2], stats[0]);
    assert.deepEqual(engines[1]!.getParams(), engines[0]!.getParams());
    assert.deepEqual(engines[2]!.getParams(), engines[0]!.getParams());
  } finally {
    for (const engine of engines) engine.dispose();
  }
});
