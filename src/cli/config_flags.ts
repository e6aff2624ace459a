/**
 * Command-line flags for every {@linkcode PpoConfig} option, in `--kebab-case`, parsed with `node:util`.
 *
 * @module
 */
import { DEFAULT_CONFIG, NULLABLE_OPTIONS, type PpoConfig } from "../config/ppo_config.ts";
import { BACKEND_CHOICES, ENGINE_CHOICES } from "../model/engines.ts";

/** `learningRate` -> `learning-rate`. */
export function toKebabCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** Descriptions shown by `--help`, one per config option. */
const HELP: Record<keyof PpoConfig, string> = {
  envId: "environment id",
  seed: "seed of every random draw",
  totalTimesteps: "environment steps to train for",
  learningRate: "Adam learning rate",
  criticLearningRate: "separate critic learning rate (null: same as learning-rate)",
  numEnvs: "parallel environments",
  numSteps: "steps per environment per rollout",
  annealLr: "anneal the learning rate linearly to 0",
  gamma: "discount factor",
  gaeLambda: "GAE lambda",
  numMinibatches: "minibatches per epoch",
  updateEpochs: "epochs per rollout",
  normAdv: "normalise advantages per minibatch",
  clipCoef: "surrogate clipping coefficient",
  clipVloss: "clip the value loss",
  entCoef: "entropy coefficient",
  vfCoef: "value loss coefficient",
  maxGradNorm: "global gradient-norm clip (Infinity: no clipping)",
  targetKl: "early-stop KL threshold (null: off)",
  adamEps: "Adam epsilon",
  hidden: "hidden layer widths, comma separated",
  activation: "tanh or relu",
  sharedNetwork: "one shared trunk for actor and critic",
  init: "initial weights: orthogonal, glorot-uniform (Keras) or pytorch-default (nn.Linear)",
  logStd: "continuous actions: learned or fixed log-std",
  initLogStd: "initial (or fixed) log-std",
  clipActions: "clip continuous actions to the action bounds",
  normalizeObservation: "running observation normalisation",
  normalizeReward: "reward scaling by the return's std",
  maxEpisodeSteps: "episode time limit in steps (Infinity: none; null: the env's registered limit)",
  rewardScale: "constant factor on the rewards learned from, after normalisation",
  engine: `engine that runs the networks: ${ENGINE_CHOICES.join(", ")} (see the engines below)`,
  backend: `gpu.js backend of --engine gpujs (another one implies it): ${BACKEND_CHOICES.join(", ")}`,
};

/** `parseArgs` option descriptors for every config option (all as strings, converted by {@linkcode configFromFlags}). */
export function configFlagOptions(): Record<string, { type: "string" }> {
  const options: Record<string, { type: "string" }> = {};
  for (const key of Object.keys(DEFAULT_CONFIG)) {
    options[flagName(key as keyof PpoConfig)] = { type: "string" };
  }
  return options;
}

function flagName(key: keyof PpoConfig): string {
  return key === "envId" ? "env" : toKebabCase(key);
}

/** Help lines: `--flag <value>  description (default: x)`. */
export function configFlagHelp(defaults: Partial<PpoConfig> = {}): string[] {
  return (Object.keys(DEFAULT_CONFIG) as (keyof PpoConfig)[]).map((key) => {
    const value = key in defaults ? defaults[key] : DEFAULT_CONFIG[key];
    return `  --${flagName(key).padEnd(24)}${HELP[key]} (default: ${
      Array.isArray(value) ? value.join(",") : value
    })`;
  });
}

/**
 * Converts parsed string flags to typed config overrides, naming the flag and value on a bad one.
 *
 * @example
 * ```ts
 * import { configFromFlags } from "./config_flags.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(configFromFlags({ "num-envs": "8", "anneal-lr": "false", hidden: "32,32" }), {
 *   numEnvs: 8, annealLr: false, hidden: [32, 32],
 * });
 * ```
 */
export function configFromFlags(values: Record<string, string | boolean | undefined>): Partial<PpoConfig> {
  const config: Record<string, unknown> = {};
  for (const key of Object.keys(DEFAULT_CONFIG) as (keyof PpoConfig)[]) {
    const raw = values[flagName(key)];
    if (raw === undefined) continue;
    const text = String(raw);
    const fallback = DEFAULT_CONFIG[key];
    const nullable = NULLABLE_OPTIONS.has(key);
    if (nullable && (text === "null" || text === "none")) config[key] = null;
    else if (Array.isArray(fallback)) config[key] = text.split(",").map((part) => parseNumber(key, part));
    else if (typeof fallback === "boolean") config[key] = parseBoolean(key, text);
    else if (typeof fallback === "number" || nullable) config[key] = parseNumber(key, text);
    else config[key] = text;
  }
  return config as Partial<PpoConfig>;
}

function parseNumber(key: keyof PpoConfig, text: string): number {
  const value = Number(text.replaceAll("_", ""));
  if (text.trim() === "" || Number.isNaN(value)) {
    throw new TypeError(`Cannot parse --${flagName(key)} as it must be a number: current value is "${text}"`);
  }
  return value;
}

function parseBoolean(key: keyof PpoConfig, text: string): boolean {
  if (text === "true" || text === "1") return true;
  if (text === "false" || text === "0") return false;
  throw new TypeError(
    `Cannot parse --${flagName(key)} as it must be true or false: current value is "${text}"`,
  );
}
