import assert from "node:assert/strict";
import { DEFAULT_CONFIG, derivedSizes, resolveConfig } from "../../src/config/ppo_config.ts";
import { presetFor, PRESETS } from "../../src/config/presets.ts";
import { configFlagHelp, configFromFlags } from "../../src/cli/config_flags.ts";
import { engineHelp } from "../../src/cli/engine_help.ts";
import { BACKENDS } from "../../src/kernels/backend.ts";
import { ENGINES } from "../../src/model/engines.ts";

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
      { engine: "cuda" },
      /engine must be one of auto, gpujs, wasm, threaded, reference: current value is "cuda"/,
    ],
    [{ backend: "cuda" }, /backend must be one of auto, webgpu, webasm, cpu: current value is "cuda"/],
    [
      { engine: "cpu" },
      /engine must be one of auto, gpujs, wasm, threaded, reference: current value is "cpu"/,
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
  assert.equal(Object.keys(DEFAULT_CONFIG).length, 33);
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

Deno.test("resolveConfig() takes a gpu.js backend with engine gpujs or auto, and refuses it with any other engine", () => {
  assert.deepEqual(pick(resolveConfig()), { engine: "auto", backend: "auto" });
  assert.deepEqual(pick(resolveConfig({ engine: "gpujs", backend: "cpu" })), {
    engine: "gpujs",
    backend: "cpu",
  });
  assert.deepEqual(pick(resolveConfig({ engine: "gpujs" })), { engine: "gpujs", backend: "auto" });
  // Auto with a gpu.js backend is the gpujs engine: createPolicy resolves it, the config keeps what was asked.
  assert.deepEqual(pick(resolveConfig({ backend: "webasm" })), { engine: "auto", backend: "webasm" });
  for (const engine of ["wasm", "reference", "threaded"] as const) {
    assert.throws(
      () => resolveConfig({ engine, backend: "webgpu" }),
      (error: Error) =>
        error instanceof RangeError &&
        error.message ===
          `Cannot configure PPO as backend must be "auto" when engine is "${engine}" (a gpu.js backend is for ` +
            `engine gpujs): current value is "webgpu"`,
    );
    assert.equal(resolveConfig({ engine, backend: "auto" }).engine, engine);
  }
});

function pick(config: { engine: string; backend: string }): { engine: string; backend: string } {
  return { engine: config.engine, backend: config.backend };
}

Deno.test("configFromFlags() parses --engine and --backend; --help lists every engine of the table and backend", () => {
  assert.deepEqual(configFromFlags({ engine: "gpujs", backend: "webasm" }), {
    engine: "gpujs",
    backend: "webasm",
  });
  assert.deepEqual(resolveConfig(configFromFlags({ engine: "threaded" })).engine, "threaded");
  const help = configFlagHelp().join("\n");
  const engineLine = help.split("\n").find((line) => line.startsWith("  --engine "));
  const backendLine = help.split("\n").find((line) => line.startsWith("  --backend "));
  assert.ok(engineLine !== undefined && backendLine !== undefined, help);
  for (const name of ["auto", ...Object.keys(ENGINES)]) {
    assert.match(engineLine, new RegExp(`\\b${name}\\b`), name);
  }
  for (const name of ["auto", ...BACKENDS]) assert.match(backendLine, new RegExp(`\\b${name}\\b`), name);
  assert.match(engineLine, /\(default: auto\)$/);
  const engines = engineHelp();
  for (const [name, entry] of Object.entries(ENGINES)) {
    const at = engines.findIndex((line) => line.startsWith(`  ${name} `));
    assert.ok(at > 0, `${name} in ${engines.join("\n")}`);
    assert.ok(engines[at]!.endsWith(entry.help), name);
    assert.ok(engines[at + 1]!.endsWith(`auto: ${entry.auto}`), name);
  }
});
