import assert from "node:assert/strict";
import { configFromJson } from "../../src/config/config_from_json.ts";
import { configToJson } from "../../src/config/config_to_json.ts";
import { resolveConfig } from "../../src/config/ppo_config.ts";

Deno.test("configToJson() writes non-finite numbers as strings that JSON keeps, and nothing else changes", () => {
  const config = resolveConfig({ maxGradNorm: Infinity, targetKl: Infinity, maxEpisodeSteps: Infinity });
  const json = configToJson(config);
  assert.equal(json.maxGradNorm, "Infinity");
  assert.equal(json.targetKl, "Infinity");
  assert.equal(json.maxEpisodeSteps, "Infinity");
  assert.deepEqual({ ...json, maxGradNorm: 0.5, targetKl: null, maxEpisodeSteps: null }, resolveConfig());
  assert.equal(config.maxGradNorm, Infinity); // the config itself is left alone
});

Deno.test("configFromJson() reads back what configToJson() wrote through JSON text", () => {
  const config = resolveConfig({
    maxGradNorm: Infinity,
    maxEpisodeSteps: 200,
    hidden: [8, 8],
    targetKl: null,
  });
  const text = JSON.stringify(configToJson(config));
  assert.deepEqual(resolveConfig(configFromJson(JSON.parse(text))), config);
});

Deno.test("configFromJson() only decodes numeric options and leaves strings elsewhere for validation", () => {
  assert.deepEqual(configFromJson({ maxGradNorm: "-Infinity", envId: "Infinity", learningRate: 1e-3 }), {
    maxGradNorm: -Infinity,
    envId: "Infinity",
    learningRate: 1e-3,
  });
  assert.throws(
    () => resolveConfig(configFromJson({ maxGradNorm: "-Infinity" })),
    /maxGradNorm must be a positive/,
  );
  assert.throws(
    () => configFromJson([1, 2]),
    (error: Error) =>
      error instanceof TypeError &&
      error.message === "Cannot read a config as it must be a JSON object: current value is [1,2]",
  );
});

// The "config" of a config.json written before engines had their own option: `backend` named the engine, or a
// gpu.js backend.
const OLD_CONFIG = `{
  "envId": "CartPole-v1", "seed": 1, "totalTimesteps": 500000, "learningRate": 0.00025, "criticLearningRate": null,
  "numEnvs": 4, "numSteps": 128, "annealLr": true, "gamma": 0.99, "gaeLambda": 0.95, "numMinibatches": 4,
  "updateEpochs": 4, "normAdv": true, "clipCoef": 0.2, "clipVloss": true, "entCoef": 0.01, "vfCoef": 0.5,
  "maxGradNorm": 0.5, "targetKl": null, "adamEps": 0.00001, "hidden": [64, 64], "activation": "tanh",
  "sharedNetwork": false, "init": "orthogonal", "logStd": "learned", "initLogStd": 0, "clipActions": true,
  "normalizeObservation": false, "normalizeReward": false, "maxEpisodeSteps": null, "rewardScale": 1,
  "backend": "BACKEND"
}`;

Deno.test("configFromJson() reads an old config's backend as the engine, or as engine gpujs and its gpu.js backend", () => {
  const cases = [
    ["auto", "auto", "auto"],
    ["wasm", "wasm", "auto"],
    ["reference", "reference", "auto"],
    ["threaded", "threaded", "auto"],
    ["cpu", "gpujs", "cpu"],
    ["webasm", "gpujs", "webasm"],
    ["webgpu", "gpujs", "webgpu"],
  ] as const;
  for (const [old, engine, backend] of cases) {
    const config = resolveConfig(configFromJson(JSON.parse(OLD_CONFIG.replace("BACKEND", old))));
    assert.deepEqual([config.engine, config.backend], [engine, backend], old);
    assert.deepEqual(config, resolveConfig({ engine, backend }), old);
  }
  // A new config keeps both options as written.
  assert.deepEqual(configFromJson({ engine: "auto", backend: "cpu" }), { engine: "auto", backend: "cpu" });
  assert.throws(
    () => resolveConfig(configFromJson(JSON.parse(OLD_CONFIG.replace("BACKEND", "cuda")))),
    /backend must be one of auto, webgpu, webasm, cpu: current value is "cuda"/,
  );
});
