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
