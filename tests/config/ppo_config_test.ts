import assert from "node:assert/strict";
import { DEFAULT_CONFIG, derivedSizes, resolveConfig } from "../../src/config/ppo_config.ts";
import { presetFor, PRESETS } from "../../src/config/presets.ts";
import { configFlagHelp, configFromFlags } from "../../src/cli/config_flags.ts";

Deno.test("resolveConfig() fills CleanRL's defaults", () => {
  const config = resolveConfig();
  assert.equal(config.learningRate, 2.5e-4);
  assert.equal(config.numEnvs, 4);
  assert.equal(config.numSteps, 128);
  assert.equal(config.clipCoef, 0.2);
  assert.equal(config.adamEps, 1e-5);
  assert.deepEqual(derivedSizes(config), { batchSize: 512, minibatchSize: 128, numIterations: 976 });
});

Deno.test("resolveConfig() names the option and the value of a bad setting", () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [
      { numMinibatches: 3 },
      /numMinibatches must be a divisor of the batch size numEnvs \* numSteps = 512: current value is 3/,
    ],
    [{ learningRate: -1 }, /learningRate must be a positive number: current value is -1/],
    [{ gamma: 1.5 }, /gamma must be in \[0, 1\]: current value is 1.5/],
    [{ numEnvs: 2.5 }, /numEnvs must be a positive integer: current value is 2.5/],
    [
      { totalTimesteps: 100 },
      /totalTimesteps must be at least the batch size numEnvs \* numSteps = 512: current value is 100/,
    ],
    [{ activation: "sigmoid" }, /activation must be "tanh" or "relu": current value is "sigmoid"/],
    [
      { backend: "cuda" },
      /backend must be one of auto, wasm, reference, threaded, cpu, webasm, webgpu: current value is "cuda"/,
    ],
    [{ targetKl: 0 }, /targetKl must be a positive number or null: current value is 0/],
    [{ seed: 2 ** 31 }, /seed must be an integer in \[0, 2147483647\]: current value is 2147483648/],
    [{ seed: -1 }, /seed must be an integer in \[0, 2147483647\]: current value is -1/],
  ];
  for (const [overrides, message] of cases) {
    assert.throws(
      () => resolveConfig(overrides),
      (error: Error) => error instanceof RangeError && message.test(error.message),
    );
  }
  assert.throws(
    () => resolveConfig({ numEnvs: "4" } as never),
    /numEnvs must be of type number: current value is "4"/,
  );
  assert.throws(() => resolveConfig({ lr: 1 } as never), /lr is not an option/);
});

Deno.test("every preset resolves to a valid config", () => {
  for (const envId of Object.keys(PRESETS)) {
    const config = resolveConfig(presetFor(envId));
    assert.equal(config.envId, envId);
  }
});

Deno.test("configFromFlags() rejects a malformed number or boolean, naming the flag", () => {
  assert.throws(
    () => configFromFlags({ "learning-rate": "fast" }),
    /--learning-rate as it must be a number: current value is "fast"/,
  );
  assert.throws(() => configFromFlags({ "norm-adv": "yes" }), /--norm-adv as it must be true or false/);
  assert.deepEqual(configFromFlags({ "target-kl": "null", env: "Acrobot-v1" }), {
    targetKl: null,
    envId: "Acrobot-v1",
  });
  assert.equal(Object.keys(DEFAULT_CONFIG).length, 32);
});

Deno.test("resolveConfig() defaults init to orthogonal, maxEpisodeSteps to null and rewardScale to 1", () => {
  const config = resolveConfig();
  assert.equal(config.init, "orthogonal");
  assert.equal(config.maxEpisodeSteps, null);
  assert.equal(config.rewardScale, 1);
  const custom = resolveConfig({ init: "pytorch-default", maxEpisodeSteps: Infinity, rewardScale: 0.01 });
  assert.deepEqual([custom.init, custom.maxEpisodeSteps, custom.rewardScale], [
    "pytorch-default",
    Infinity,
    0.01,
  ]);
  assert.equal(resolveConfig({ maxEpisodeSteps: 200, maxGradNorm: Infinity }).maxGradNorm, Infinity);
});

Deno.test("resolveConfig() refuses a bad init, maxEpisodeSteps or rewardScale, naming the option", () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [
      { init: "he-normal" },
      /init must be "orthogonal", "glorot-uniform" or "pytorch-default": current value is "he-normal"/,
    ],
    [
      { maxEpisodeSteps: 0 },
      /maxEpisodeSteps must be a positive integer, Infinity or null: current value is 0/,
    ],
    [
      { maxEpisodeSteps: 2.5 },
      /maxEpisodeSteps must be a positive integer, Infinity or null: current value is 2.5/,
    ],
    [{ rewardScale: 0 }, /rewardScale must be a positive finite number: current value is 0/],
    [{ rewardScale: -2 }, /rewardScale must be a positive finite number: current value is -2/],
    [{ rewardScale: Infinity }, /rewardScale must be a positive finite number: current value is Infinity/],
  ];
  for (const [overrides, message] of cases) {
    assert.throws(
      () => resolveConfig(overrides),
      (error: Error) => error instanceof RangeError && message.test(error.message),
    );
  }
  assert.throws(
    () => resolveConfig({ maxEpisodeSteps: "200" } as never),
    /maxEpisodeSteps must be of type number or null: current value is "200"/,
  );
});

Deno.test("configFromFlags() parses --init, --max-episode-steps (null, Infinity) and --reward-scale; --help lists them", () => {
  assert.deepEqual(
    configFromFlags({ init: "glorot-uniform", "max-episode-steps": "200", "reward-scale": "0.01" }),
    { init: "glorot-uniform", maxEpisodeSteps: 200, rewardScale: 0.01 },
  );
  assert.deepEqual(configFromFlags({ "max-episode-steps": "null", "max-grad-norm": "Infinity" }), {
    maxEpisodeSteps: null,
    maxGradNorm: Infinity,
  });
  assert.deepEqual(configFromFlags({ "max-episode-steps": "Infinity" }), { maxEpisodeSteps: Infinity });
  const help = configFlagHelp().join("\n");
  for (const flag of ["--init", "--max-episode-steps", "--reward-scale", "--max-grad-norm"]) {
    assert.match(help, new RegExp(`^  ${flag} `, "m"), flag);
  }
  assert.match(help, /--max-grad-norm .*Infinity: no clipping/);
});
