/**
 * PPO hyperparameters with CleanRL's names (in camelCase) and defaults, and their eager validation.
 *
 * @module
 */
import { type BackendChoice, type EngineChoice, engineFor } from "../model/engines.ts";
import { type Initializer, INITIALIZERS } from "../model/init_params.ts";
import type { Activation } from "../model/types.ts";

export type { BackendChoice, EngineChoice } from "../model/engines.ts";

/** Every option of a training run. Defaults follow CleanRL's `ppo.py`. */
export interface PpoConfig {
  /** Registered environment id. @default {"CartPole-v1"} */
  envId: string;
  /** Seed of every random draw (envs use `seed + i`). @default {1} */
  seed: number;
  /** Environment steps to train for. @default {500000} */
  totalTimesteps: number;
  /** Adam learning rate (of the actor, and of the critic unless `criticLearningRate` is set). @default {2.5e-4} */
  learningRate: number;
  /** A separate critic learning rate, or null to use `learningRate`. @default {null} */
  criticLearningRate: number | null;
  /** Parallel environments. @default {4} */
  numEnvs: number;
  /** Steps per environment per rollout. @default {128} */
  numSteps: number;
  /** Anneal the learning rate linearly to 0. @default {true} */
  annealLr: boolean;
  /** Discount factor. @default {0.99} */
  gamma: number;
  /** GAE lambda. @default {0.95} */
  gaeLambda: number;
  /** Minibatches per epoch. @default {4} */
  numMinibatches: number;
  /** Epochs over each rollout. @default {4} */
  updateEpochs: number;
  /** Normalise advantages per minibatch. @default {true} */
  normAdv: boolean;
  /** Surrogate clipping coefficient. @default {0.2} */
  clipCoef: number;
  /** Clip the value loss too. @default {true} */
  clipVloss: boolean;
  /** Entropy bonus coefficient. @default {0.01} */
  entCoef: number;
  /** Value loss coefficient. @default {0.5} */
  vfCoef: number;
  /** Global gradient-norm clip; `Infinity` turns clipping off. @default {0.5} */
  maxGradNorm: number;
  /** Stop the epochs early when approx KL exceeds this; null disables. @default {null} */
  targetKl: number | null;
  /** Adam epsilon. @default {1e-5} */
  adamEps: number;
  /** Hidden layer widths. @default {[64, 64]} */
  hidden: number[];
  /** Hidden activation. @default {"tanh"} */
  activation: Activation;
  /** One shared trunk for actor and critic. @default {false} */
  sharedNetwork: boolean;
  /**
   * How the dense layers start: `"orthogonal"` (CleanRL's, with gains sqrt(2), 0.01 and 1, zero biases),
   * `"glorot-uniform"` (Keras' default, zero biases) or `"pytorch-default"` (`nn.Linear`'s own: weights and
   * biases from U(+-1/sqrt(fanIn))). @default {"orthogonal"}
   */
  init: Initializer;
  /** Continuous actions: learned state-independent log-std, or a fixed std. @default {"learned"} */
  logStd: "learned" | "fixed";
  /** Initial (or fixed) log-std of continuous policies. @default {0} */
  initLogStd: number;
  /** Clip continuous actions to the action space's bounds when sent to the env. @default {true} */
  clipActions: boolean;
  /** Running observation normalisation (clipped to +-10). @default {false} */
  normalizeObservation: boolean;
  /** Reward scaling by the std of the discounted return (clipped to +-10). @default {false} */
  normalizeReward: boolean;
  /**
   * Time limit of every training episode, in steps (`Infinity`: none), instead of the environment's registered
   * one; null keeps the registered limit. @default {null}
   */
  maxEpisodeSteps: number | null;
  /**
   * A constant factor on the rewards the agent learns from, applied after `normalizeReward` (the numpy
   * tutorial's `r / 100` is 0.01); episode returns and metrics stay unscaled. @default {1}
   */
  rewardScale: number;
  /**
   * The engine that runs the networks: a name of the engine table `ENGINES` (`wasm`, `reference`, ...) or
   * `"auto"`, the engine `chooseEngine` picks for the network and machine by a fixed rule. @default {"auto"}
   */
  engine: EngineChoice;
  /**
   * The gpu.js backend (`cpu`, `webasm`, `webgpu`) of the `gpujs` engine, or `"auto"`; with `engine` `"auto"`
   * a gpu.js backend selects `gpujs`, and the other engines take only `"auto"`. @default {"auto"}
   */
  backend: BackendChoice;
}

/** CleanRL `ppo.py`'s defaults. */
export const DEFAULT_CONFIG: Readonly<PpoConfig> = Object.freeze({
  envId: "CartPole-v1",
  seed: 1,
  totalTimesteps: 500_000,
  learningRate: 2.5e-4,
  criticLearningRate: null,
  numEnvs: 4,
  numSteps: 128,
  annealLr: true,
  gamma: 0.99,
  gaeLambda: 0.95,
  numMinibatches: 4,
  updateEpochs: 4,
  normAdv: true,
  clipCoef: 0.2,
  clipVloss: true,
  entCoef: 0.01,
  vfCoef: 0.5,
  maxGradNorm: 0.5,
  targetKl: null,
  adamEps: 1e-5,
  hidden: [64, 64],
  activation: "tanh",
  sharedNetwork: false,
  init: "orthogonal",
  logStd: "learned",
  initLogStd: 0,
  clipActions: true,
  normalizeObservation: false,
  normalizeReward: false,
  maxEpisodeSteps: null,
  rewardScale: 1,
  engine: "auto",
  backend: "auto",
});

/** Sizes derived once from a config, as CleanRL does. */
export interface DerivedSizes {
  /** `numEnvs * numSteps`. */
  batchSize: number;
  /** `batchSize / numMinibatches`. */
  minibatchSize: number;
  /** `floor(totalTimesteps / batchSize)`. */
  numIterations: number;
}

/** Computes batch, minibatch and iteration counts. */
export function derivedSizes(config: PpoConfig): DerivedSizes {
  const batchSize = config.numEnvs * config.numSteps;
  return {
    batchSize,
    minibatchSize: batchSize / config.numMinibatches,
    numIterations: Math.floor(config.totalTimesteps / batchSize),
  };
}

/**
 * Fills defaults and validates every option, throwing on the first bad one with its name and value.
 *
 * @param overrides Options to change; unknown keys are rejected.
 * @returns A complete, validated config.
 *
 * @example
 * ```ts
 * import { resolveConfig } from "./ppo_config.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(resolveConfig({ numEnvs: 8 }).numEnvs, 8);
 * assert.throws(() => resolveConfig({ numMinibatches: 3 }), /numMinibatches must be a divisor/);
 * ```
 */
export function resolveConfig(overrides: Partial<PpoConfig> = {}): PpoConfig {
  for (const key of Object.keys(overrides)) {
    if (!(key in DEFAULT_CONFIG)) {
      throw new TypeError(
        `Cannot configure PPO as ${key} is not an option (known: ${
          Object.keys(DEFAULT_CONFIG).join(", ")
        }): current value is ${JSON.stringify((overrides as Record<string, unknown>)[key])}`,
      );
    }
  }
  const config: PpoConfig = { ...DEFAULT_CONFIG, hidden: [...DEFAULT_CONFIG.hidden] };
  for (const [key, value] of Object.entries(overrides)) {
    if (value !== undefined) (config as unknown as Record<string, unknown>)[key] = value;
  }
  validateConfig(config);
  return config;
}

function fail(option: string, reason: string, value: unknown): never {
  // JSON would print a non-finite number as null.
  const shown = typeof value === "number" && !Number.isFinite(value) ? String(value) : JSON.stringify(value);
  throw new RangeError(`Cannot configure PPO as ${option} must be ${reason}: current value is ${shown}`);
}

/** The options whose value may be null (numbers otherwise). */
export const NULLABLE_OPTIONS: ReadonlySet<string> = new Set([
  "criticLearningRate",
  "targetKl",
  "maxEpisodeSteps",
]);

function checkType(config: PpoConfig): void {
  for (const [key, value] of Object.entries(config)) {
    const expected = DEFAULT_CONFIG[key as keyof PpoConfig];
    const nullable = NULLABLE_OPTIONS.has(key);
    if (nullable && value === null) continue;
    const expectedType = Array.isArray(expected) ? "array" : expected === null ? "number" : typeof expected;
    const actualType = Array.isArray(value) ? "array" : typeof value;
    if (actualType !== expectedType) {
      throw new TypeError(
        `Cannot configure PPO as ${key} must be of type ${expectedType}${
          nullable ? " or null" : ""
        }: current value is ${JSON.stringify(value)}`,
      );
    }
  }
}

function validateConfig(config: PpoConfig): void {
  checkType(config);
  const positiveInteger = [
    "totalTimesteps",
    "numEnvs",
    "numSteps",
    "numMinibatches",
    "updateEpochs",
  ] as const;
  for (const key of positiveInteger) {
    if (!Number.isInteger(config[key]) || config[key] < 1) fail(key, "a positive integer", config[key]);
  }
  // Env i is seeded seed + i: capping the seed as Gymnasium's 32-bit seeding does keeps those seeds distinct.
  if (!Number.isInteger(config.seed) || config.seed < 0 || config.seed > 2 ** 31 - 1) {
    fail("seed", "an integer in [0, 2147483647]", config.seed);
  }
  const positive = ["learningRate", "adamEps", "maxGradNorm"] as const;
  for (const key of positive) {
    if (!(config[key] > 0)) fail(key, "a positive number", config[key]);
  }
  if (config.criticLearningRate !== null && !(config.criticLearningRate > 0)) {
    fail("criticLearningRate", "a positive number or null", config.criticLearningRate);
  }
  if (config.targetKl !== null && !(config.targetKl > 0)) {
    fail("targetKl", "a positive number or null", config.targetKl);
  }
  for (const key of ["gamma", "gaeLambda"] as const) {
    if (!(config[key] >= 0 && config[key] <= 1)) fail(key, "in [0, 1]", config[key]);
  }
  if (!(config.clipCoef > 0 && Number.isFinite(config.clipCoef))) {
    fail("clipCoef", "a positive number", config.clipCoef);
  }
  for (const key of ["entCoef", "vfCoef"] as const) {
    if (!(config[key] >= 0 && Number.isFinite(config[key]))) fail(key, "a non-negative number", config[key]);
  }
  if (!Number.isFinite(config.initLogStd)) fail("initLogStd", "a finite number", config.initLogStd);
  if (config.hidden.length === 0 && config.sharedNetwork) {
    fail("hidden", "non-empty for a shared network", config.hidden);
  }
  if (config.hidden.some((w) => !Number.isInteger(w) || w < 1)) {
    fail("hidden", "a list of positive integers", config.hidden);
  }
  if (config.activation !== "tanh" && config.activation !== "relu") {
    fail("activation", '"tanh" or "relu"', config.activation);
  }
  if (config.logStd !== "learned" && config.logStd !== "fixed") {
    fail("logStd", '"learned" or "fixed"', config.logStd);
  }
  if (!INITIALIZERS.includes(config.init)) {
    fail("init", '"orthogonal", "glorot-uniform" or "pytorch-default"', config.init);
  }
  const limit = config.maxEpisodeSteps;
  if (limit !== null && limit !== Infinity && !(Number.isInteger(limit) && limit >= 1)) {
    fail("maxEpisodeSteps", "a positive integer, Infinity or null", limit);
  }
  if (!(config.rewardScale > 0 && Number.isFinite(config.rewardScale))) {
    fail("rewardScale", "a positive finite number", config.rewardScale);
  }
  engineFor(config.engine, config.backend, "configure PPO");
  const { batchSize, numIterations } = derivedSizes(config);
  if (batchSize % config.numMinibatches !== 0) {
    fail(
      "numMinibatches",
      `a divisor of the batch size numEnvs * numSteps = ${batchSize}`,
      config.numMinibatches,
    );
  }
  if (config.normAdv && batchSize / config.numMinibatches < 2) {
    fail(
      "numMinibatches",
      "small enough for minibatches of at least 2 rows when normAdv is on",
      config.numMinibatches,
    );
  }
  if (numIterations < 1) {
    fail(
      "totalTimesteps",
      `at least the batch size numEnvs * numSteps = ${batchSize}`,
      config.totalTimesteps,
    );
  }
}
