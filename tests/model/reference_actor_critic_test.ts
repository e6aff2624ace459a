import assert from "node:assert/strict";
import { denseForward } from "../../src/core/dense_forward.ts";
import { ReferenceActorCritic } from "../../src/model/reference_actor_critic.ts";
import { assertGradientsClose, centralDifferences } from "../core/gradient_check.ts";
import { configs, layoutOf, minibatchFor, randomParams, sampleIndices } from "./_fixtures.ts";

const lossOptions = { clipCoef: 0.2, clipVloss: true, entCoef: 0.05, vfCoef: 0.5, normAdv: true };

for (const name of Object.keys(configs)) {
  const big = name.includes("1024");
  Deno.test(`ReferenceActorCritic gradient of the PPO loss matches central differences: ${name}`, () => {
    const layout = layoutOf(name);
    const network = new ReferenceActorCritic(layout);
    const params = randomParams(layout, 40);
    const minibatch = minibatchFor(network, params, big ? 3 : 8, 41);
    const gradient = new Float64Array(layout.size);
    const stats = network.lossAndGradient(params, minibatch, { ...lossOptions, gradient });
    if (!big) assert.ok(stats.clipfrac > 0 && stats.clipfrac < 1, `clipfrac ${stats.clipfrac}`);
    const scratch = new Float64Array(layout.size);
    const loss = () => network.lossAndGradient(params, minibatch, { ...lossOptions, gradient: scratch }).loss;
    const indices = sampleIndices(layout, big ? 6 : 40);
    const numeric = centralDifferences(loss, params, indices);
    const fixed = layout.tensors.find((t) => !t.trainable);
    const trainable = indices.map((index, k) => [index, k]).filter(([index]) => fixed?.offset !== index);
    assertGradientsClose(trainable.map(([i]) => gradient[i!]!), trainable.map(([, k]) => numeric[k!]!), name);
    if (fixed !== undefined) {
      // The loss depends on a fixed log-std, but it is never trained: its gradient is 0.
      assert.deepEqual(Array.from(gradient.subarray(fixed.offset, fixed.offset + fixed.size)), [0]);
      assert.ok(Math.abs(numeric[indices.indexOf(fixed.offset)]!) > 1e-3);
    }
  });
}

Deno.test("ReferenceActorCritic.forward() composes dense layers, activations and heads as the layout says", () => {
  const layout = layoutOf("5-16-16-2 shared tanh gaussian");
  const params = randomParams(layout, 42);
  const obs = Float64Array.from({ length: 2 * 5 }, (_, i) => Math.sin(i));
  const view = (i: number, layers = layout.trunk) => ({
    weight: params.subarray(
      layers[i]!.weightOffset,
      layers[i]!.weightOffset + layers[i]!.outDim * layers[i]!.inDim,
    ),
    bias: params.subarray(layers[i]!.biasOffset, layers[i]!.biasOffset + layers[i]!.outDim),
    inDim: layers[i]!.inDim,
    outDim: layers[i]!.outDim,
  });
  const h1 = denseForward(obs, view(0)).map(Math.tanh);
  const h2 = denseForward(h1, view(1)).map(Math.tanh);
  const means = denseForward(h2, view(0, layout.actor));
  const values = denseForward(h2, view(0, layout.critic));
  const out = new ReferenceActorCritic(layout).forward(params, obs, 2);
  assert.deepEqual(Array.from(out.policy), Array.from(means));
  assert.deepEqual(Array.from(out.values), Array.from(values));
});

Deno.test("ReferenceActorCritic.forward() with valuesOnly returns the same values without the policy head", () => {
  const layout = layoutOf("4-64-64-2 tanh categorical");
  const network = new ReferenceActorCritic(layout);
  const params = randomParams(layout, 43);
  const obs = Float64Array.from({ length: 3 * 4 }, (_, i) => Math.cos(i));
  const values = Array.from(network.forward(params, obs, 3).values);
  const valuesOnly = network.forward(params, obs, 3, { valuesOnly: true });
  assert.deepEqual(Array.from(valuesOnly.values), values);
  assert.equal(valuesOnly.policy.length, 0);
});

Deno.test("ReferenceActorCritic rejects parameters, observations and gradient buffers of the wrong size", () => {
  const layout = layoutOf("4-64-64-2 tanh categorical");
  const network = new ReferenceActorCritic(layout);
  const params = randomParams(layout, 44);
  assert.throws(() => network.forward(params, new Float64Array(7), 2), TypeError);
  assert.throws(() => network.forward(params.subarray(1), new Float64Array(8), 2), TypeError);
  assert.throws(() => network.forward(params, new Float64Array(0), 0), RangeError);
  const minibatch = minibatchFor(network, params, 4, 45);
  assert.throws(
    () => network.lossAndGradient(params, minibatch, { ...lossOptions, gradient: new Float64Array(3) }),
    TypeError,
  );
});
