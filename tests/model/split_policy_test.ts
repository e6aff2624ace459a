import assert from "node:assert/strict";
import { createReferencePolicy } from "../../src/model/reference_policy.ts";
import { createSplitPolicy } from "../../src/model/split_policy.ts";
import { layoutOf } from "./_fixtures.ts";

Deno.test("createSplitPolicy() trains on one engine and acts on the other with the trained parameters", async () => {
  const layout = layoutOf("4-64-64-2 tanh categorical");
  const update = createReferencePolicy(layout, { seed: 1 });
  const inference = createReferencePolicy(layout, { seed: 2 });
  const split = createSplitPolicy(update, inference);
  assert.equal(split.engine, "reference");
  assert.equal(split.backend, undefined);
  const obs = Float32Array.of(0.1, -0.2, 0.3, 0.05, -0.1, 0.2, 0, 0.4);
  const act = async (engine: typeof split) => {
    const out = { actions: new Float32Array(2), logProbs: new Float32Array(2), values: new Float32Array(2) };
    await engine.act({ obs, batch: 2, noise: Float32Array.of(0.3, 0.7) }, out);
    return out;
  };
  // Acting syncs the inference engine to the update engine's parameters first.
  assert.deepEqual(await act(split), await act(update));
  const minibatch = {
    size: 2,
    obs,
    actions: Float32Array.of(0, 1),
    oldLogProbs: Float32Array.of(-0.7, -0.7),
    advantages: Float32Array.of(1, -1),
    returns: Float32Array.of(1, 0),
    oldValues: Float32Array.of(0, 0),
  };
  const options = {
    learningRate: 1e-2,
    clipCoef: 0.2,
    clipVloss: false,
    entCoef: 0,
    vfCoef: 0.5,
    maxGradNorm: 0.5,
    normAdv: false,
  };
  await split.trainStep(minibatch, options);
  assert.deepEqual(split.getParams(), update.getParams());
  assert.deepEqual(await act(split), await act(update));
  assert.deepEqual(inference.getParams(), update.getParams());
  await split.dispose();
  assert.throws(() => update.getParams(), /disposed/);
  assert.throws(() => inference.getParams(), /disposed/);
});
