import { RunningMeanStd, type RunningMeanStdState } from "../core/running_mean_std.ts";
import { Rng, type RngState } from "../core/rng.ts";
import type { Box } from "../envs/box.ts";
import { EnvError } from "../envs/env_error.ts";
import type { Space } from "../envs/types.ts";
import type { PolicyEngine } from "../model/types.ts";
import type { EpisodeResult, StepBatch } from "./types.ts";

/** The episodes of a step in which none ended: one shared, frozen empty list, so a step allocates no array. */
const NO_EPISODES: readonly EpisodeResult[] = Object.freeze([]);

/** Offsets the action-noise seed into the high word, away from every env seed `seed + i`. */
const ACTION_NOISE_STREAM = 2 * 2 ** 32;

/** The vector environment a {@linkcode Collector} steps (the library's `VecEnv` fits). */
export interface VectorEnvironment {
  /** Number of environments stepped together. */
  readonly numEnvs: number;
  /** The observation space of each environment. */
  readonly observationSpace: Box;
  /** The action space of each environment. */
  readonly actionSpace: Space;
  /** Names the environment in error messages. */
  readonly spec?: { readonly id: string };
  /** Resets every env (env i with `seed + i`); returns `[numEnvs * obsDim]` observations. */
  reset(options?: { seed?: number }): { readonly obs: Float32Array };
  /** Steps every env with `[numEnvs * actionDim]` actions, autoresetting finished ones in the same step. */
  step(actions: Float32Array): {
    readonly obs: Float32Array;
    readonly rewards: ArrayLike<number>;
    readonly terminated: ArrayLike<number | boolean>;
    readonly truncated: ArrayLike<number | boolean>;
    readonly finalObs: Float32Array;
    readonly episodes: readonly { readonly env: number; readonly return: number; readonly length: number }[];
  };
}

/** Options of {@linkcode Collector}. */
export interface CollectorOptions {
  /** Seeds the envs (env i: `seed + i`) and the action-noise generator. @default {1} */
  readonly seed?: number;
  /** Clip continuous actions to the action space's bounds when sent to the envs. @default {true} */
  readonly clipActions?: boolean;
  /** Running observation normalisation, clipped to +-`clipObservation`. @default {false} */
  readonly normalizeObservation?: boolean;
  /** Scale rewards by the std of the discounted return, clipped to +-`clipReward`. @default {false} */
  readonly normalizeReward?: boolean;
  /** Discount of the return whose std scales rewards. @default {0.99} */
  readonly gamma?: number;
  /** Bound of normalised observations: they are clipped to +-`clipObservation`. @default {10} */
  readonly clipObservation?: number;
  /** Bound of scaled rewards: they are clipped to +-`clipReward`. @default {10} */
  readonly clipReward?: number;
  /**
   * A constant factor on the rewards learned from, applied last (after normalisation and its clip), such as the
   * numpy tutorial's `r / 100`; episode returns stay unscaled. @default {1}
   */
  readonly rewardScale?: number;
  /**
   * Acts as rows `offset` to `offset + vecEnv.numEnvs` of a vector of `totalEnvs` envs: every step draws the
   * whole vector's action noise and uses this slice, so a shard stepped on another machine samples the same
   * actions, and leaves the generator in the same state, as the whole vector stepped in one place.
   * @default {the collector's envs are the whole vector}
   */
  readonly noiseShard?: { readonly offset: number; readonly totalEnvs: number };
}

/** What a checkpoint keeps of a {@linkcode Collector}. */
export interface CollectorState {
  /** Completed policy updates when the checkpoint was taken. */
  readonly policyVersion: number;
  /** Environment steps taken, over all envs. */
  readonly globalStep: number;
  /** The action-noise generator's state. */
  readonly rng: { words: RngState; spareNormal: number | null };
  /** Observation normalisation statistics, or null when normalisation is off. */
  readonly observationStats: RunningMeanStdState | null;
  /** Discounted-return statistics for reward scaling, or null when scaling is off. */
  readonly returnStats: RunningMeanStdState | null;
}

/**
 * Steps a vector environment with a policy engine and keeps what acting needs between steps: the current
 * observations, the action-noise generator, normalisation statistics, the global step and the policy version.
 *
 * Acting draws its noise (uniforms for categorical heads, standard normals for gaussian ones) from the
 * collector's own seeded generator, so every backend samples the same actions from the same parameters.
 *
 * @example
 * ```ts ignore
 * const collector = new Collector(engine, vecEnv, { seed: 1 });
 * const step = await collector.step(); // one StepBatch
 * ```
 */
export class Collector {
  /** The engine that acts (and that `ppoUpdate` trains). */
  readonly engine: PolicyEngine;
  /** The environments it steps. */
  readonly vecEnv: VectorEnvironment;
  /** Number of environments, the rows of every step batch. */
  readonly numEnvs: number;
  /** Values in one observation. */
  readonly obsDim: number;
  /** Values in one action: 1 for a `Discrete` space, the size of a `Box`. */
  readonly actionDim: number;
  /** Completed policy updates (iterations); rollouts record it. */
  policyVersion = 0;
  /** Environment steps taken, over all envs. */
  globalStep = 0;
  /** When true, normalisation statistics stop updating (evaluation). */
  frozen = false;
  /** When true, act greedily (argmax or mean) instead of sampling (evaluation). */
  deterministic = false;
  /** Running observation statistics, or null when `normalizeObservation` is off. */
  readonly observationStats: RunningMeanStd | null;
  /**
   * Running statistics of the discounted return that scale rewards, or null when `normalizeReward` is off.
   */
  readonly returnStats: RunningMeanStd | null;
  #rng: Rng;
  #options: Required<Omit<CollectorOptions, "noiseShard">> & Pick<CollectorOptions, "noiseShard">;
  #rawObs: Float32Array;
  #obs: Float32Array;
  #nextObs: Float32Array;
  #finalObs: Float32Array;
  #noise: Float32Array;
  #envActions: Float32Array;
  #actions: Float32Array;
  #logProbs: Float32Array;
  #values: Float32Array;
  #rewards: Float32Array;
  #terminated: Uint8Array;
  #truncated: Uint8Array;
  #discountedReturns: Float64Array;
  // One act input and output for every step: the engine reads them during the call and keeps nothing.
  #actInput: { obs: Float32Array; batch: number; noise: Float32Array; deterministic: boolean };
  #actOutput: { actions: Float32Array; logProbs: Float32Array; values: Float32Array };

  /**
   * Creates a collector and resets the environments with the seed.
   *
   * @param engine Acts and, with `ppoUpdate`, learns.
   * @param vecEnv The environments; reset here with the seed.
   * @param options Seed, action clipping and normalisation.
   */
  constructor(engine: PolicyEngine, vecEnv: VectorEnvironment, options: CollectorOptions = {}) {
    this.#options = {
      seed: 1,
      clipActions: true,
      normalizeObservation: false,
      normalizeReward: false,
      gamma: 0.99,
      clipObservation: 10,
      clipReward: 10,
      rewardScale: 1,
      ...options,
    };
    const rewardScale = this.#options.rewardScale;
    if (!(rewardScale > 0 && Number.isFinite(rewardScale))) {
      throw new RangeError(
        `Cannot create Collector as rewardScale must be a positive finite number: current value is ${rewardScale}`,
      );
    }
    const shard = options.noiseShard;
    if (
      shard !== undefined &&
      !(Number.isInteger(shard.offset) && shard.offset >= 0 &&
        shard.offset + vecEnv.numEnvs <= shard.totalEnvs)
    ) {
      throw new RangeError(
        `Cannot create Collector as noiseShard must hold its ${vecEnv.numEnvs} envs within totalEnvs: current value is offset ${shard.offset}, totalEnvs ${shard.totalEnvs}`,
      );
    }
    this.engine = engine;
    this.vecEnv = vecEnv;
    this.numEnvs = vecEnv.numEnvs;
    this.obsDim = vecEnv.observationSpace.size;
    const space = vecEnv.actionSpace;
    this.actionDim = space.kind === "discrete" ? 1 : space.size;
    const config = engine.layout.config;
    const headDim = config.head.kind === "categorical" ? config.head.n : config.head.dim;
    const spaceDim = space.kind === "discrete" ? space.n : space.size;
    if (config.obsDim !== this.obsDim || headDim !== spaceDim) {
      throw new TypeError(
        `Cannot create Collector as the network (obsDim ${config.obsDim}, ${headDim} action outputs) does not fit the env (obsDim ${this.obsDim}, ${spaceDim} actions): current value is ${config.head.kind}`,
      );
    }
    const n = this.numEnvs;
    // A stream of its own: `new Rng(seed)` would replay env 0's reset noise (env i is seeded with seed + i).
    this.#rng = new Rng(this.#options.seed + ACTION_NOISE_STREAM);
    this.observationStats = this.#options.normalizeObservation ? new RunningMeanStd(this.obsDim) : null;
    this.returnStats = this.#options.normalizeReward ? new RunningMeanStd(1) : null;
    this.#rawObs = new Float32Array(n * this.obsDim);
    this.#obs = new Float32Array(n * this.obsDim);
    this.#nextObs = new Float32Array(n * this.obsDim);
    this.#finalObs = new Float32Array(n * this.obsDim);
    this.#noise = new Float32Array(n * this.actionDim);
    this.#envActions = new Float32Array(n * this.actionDim);
    this.#actions = new Float32Array(n * this.actionDim);
    this.#logProbs = new Float32Array(n);
    this.#values = new Float32Array(n);
    this.#rewards = new Float32Array(n);
    this.#terminated = new Uint8Array(n);
    this.#truncated = new Uint8Array(n);
    this.#discountedReturns = new Float64Array(n);
    this.#actInput = { obs: this.#obs, batch: n, noise: this.#noise, deterministic: false };
    this.#actOutput = { actions: this.#actions, logProbs: this.#logProbs, values: this.#values };
    this.#rawObs.set(this.#atGlobalStep(() => vecEnv.reset({ seed: this.#options.seed })).obs);
    this.#normalizeInto(this.#rawObs, this.#nextObs, !this.frozen);
  }

  /** The observations the next step acts on (normalised if normalisation is on). */
  get observations(): Float32Array {
    return this.#nextObs;
  }

  /**
   * Takes one vector step with the current policy; a promise when the engine answers asynchronously.
   *
   * @throws {EnvError} When an environment throws: the error names it, its index and the global step.
   */
  step(): StepBatch | Promise<StepBatch> {
    this.#obs.set(this.#nextObs);
    const rng = this.#rng;
    const gaussian = this.engine.layout.config.head.kind === "gaussian";
    const shard = this.#options.noiseShard;
    const first = shard === undefined ? 0 : shard.offset * this.actionDim;
    const draws = shard === undefined ? this.#noise.length : shard.totalEnvs * this.actionDim;
    // Uniforms get 24 random bits so they are exact in float32: a float64 draw just below 1 would round up to 1.
    for (let i = 0; i < draws; i++) {
      const u = gaussian ? rng.normal() : (rng.nextUint32() >>> 8) / 16777216;
      if (i >= first && i - first < this.#noise.length) this.#noise[i - first] = u;
    }
    this.#actInput.deterministic = this.deterministic;
    const acted = this.engine.act(this.#actInput, this.#actOutput);
    return acted instanceof Promise ? acted.then(() => this.#afterAct()) : this.#afterAct();
  }

  #afterAct(): StepBatch {
    const n = this.numEnvs;
    const space = this.vecEnv.actionSpace;
    this.#envActions.set(this.#actions);
    if (space.kind === "box" && this.#options.clipActions) {
      const size = space.size;
      for (let i = 0; i < this.#envActions.length; i++) {
        const d = i % size;
        this.#envActions[i] = Math.min(Math.max(this.#envActions[i]!, space.low[d]!), space.high[d]!);
      }
    }
    const result = this.#atGlobalStep(() => this.vecEnv.step(this.#envActions));
    this.#checkFinite(result.obs, this.obsDim, "observation");
    this.#checkFinite(result.rewards, 1, "reward");
    for (let i = 0; i < n; i++) {
      this.#terminated[i] = result.terminated[i] ? 1 : 0;
      this.#truncated[i] = result.truncated[i] ? 1 : 0;
    }
    this.#rawObs.set(result.obs);
    this.#normalizeInto(this.#rawObs, this.#nextObs, !this.frozen);
    this.#normalizeInto(result.finalObs, this.#finalObs, false);
    this.#scaleRewards(result.rewards);
    const globalStep = this.globalStep;
    this.globalStep += n;
    const episodes: readonly EpisodeResult[] = result.episodes.length === 0
      ? NO_EPISODES
      : result.episodes.map((e) => ({
        env: e.env,
        return: e.return,
        length: e.length,
        globalStep: this.globalStep,
      }));
    return {
      numEnvs: n,
      obsDim: this.obsDim,
      actionDim: this.actionDim,
      obs: this.#obs,
      actions: this.#actions,
      logProbs: this.#logProbs,
      values: this.#values,
      rewards: this.#rewards,
      terminated: this.#terminated,
      truncated: this.#truncated,
      finalObs: this.#finalObs,
      nextObs: this.#nextObs,
      episodes,
      policyVersion: this.policyVersion,
      globalStep,
    };
  }

  /** Runs a vector step or reset, adding the global step to the error of an environment that throws. */
  #atGlobalStep<T>(run: () => T): T {
    try {
      return run();
    } catch (error) {
      if (error instanceof EnvError && error.globalStep === null) {
        const { action, envId, env } = error;
        throw new EnvError({ action, envId, env, globalStep: this.globalStep }, error.cause);
      }
      throw error;
    }
  }

  /** A NaN from an environment would reach the loss steps later; stop it here, naming the env and the value. */
  #checkFinite(values: ArrayLike<number>, width: number, what: string): void {
    for (let i = 0; i < values.length; i++) {
      if (!Number.isFinite(values[i]!)) {
        throw new RangeError(
          `Cannot step ${this.vecEnv.spec?.id ?? "the environment"} as env ${
            Math.floor(i / width)
          } returned a non-finite ${what}: current value at index ${i % width} is ${values[i]}`,
        );
      }
    }
  }

  #normalizeInto(raw: Float32Array, out: Float32Array, update: boolean): void {
    const stats = this.observationStats;
    if (stats === null) {
      out.set(raw);
      return;
    }
    if (update) stats.update(raw, this.numEnvs);
    const clip = this.#options.clipObservation;
    const dim = this.obsDim;
    for (let i = 0; i < raw.length; i++) {
      const d = i % dim;
      const z = (raw[i]! - stats.mean[d]!) / Math.sqrt(stats.var[d]! + 1e-8);
      out[i] = Math.min(Math.max(z, -clip), clip);
    }
  }

  #scaleRewards(rewards: ArrayLike<number>): void {
    const stats = this.returnStats;
    const n = this.numEnvs;
    const factor = this.#options.rewardScale;
    if (stats === null) {
      for (let i = 0; i < n; i++) this.#rewards[i] = factor * rewards[i]!;
      return;
    }
    const gamma = this.#options.gamma;
    for (let i = 0; i < n; i++) {
      this.#discountedReturns[i] = this.#discountedReturns[i]! * gamma * (1 - this.#terminated[i]!) +
        rewards[i]!;
    }
    if (!this.frozen) stats.update(this.#discountedReturns, n);
    const scale = Math.sqrt(stats.var[0]! + 1e-8);
    const clip = this.#options.clipReward;
    for (let i = 0; i < n; i++) {
      this.#rewards[i] = factor * Math.min(Math.max(rewards[i]! / scale, -clip), clip);
    }
  }

  /** The collector's counters, generator and statistics, for checkpoints. */
  getState(): CollectorState {
    return {
      policyVersion: this.policyVersion,
      globalStep: this.globalStep,
      rng: this.#rng.getState(),
      observationStats: this.observationStats?.getState() ?? null,
      returnStats: this.returnStats?.getState() ?? null,
    };
  }

  /**
   * Restores what {@linkcode Collector.getState} saved.
   *
   * @param state The saved state.
   * @param rawObs The envs' current raw observations, when their states were restored too.
   */
  setState(state: CollectorState, rawObs?: Float32Array): void {
    if ((state.observationStats === null) !== (this.observationStats === null)) {
      throw new TypeError(
        `Cannot restore Collector as observation normalisation must match: current value is ${
          state.observationStats === null ? "off" : "on"
        }`,
      );
    }
    if ((state.returnStats === null) !== (this.returnStats === null)) {
      throw new TypeError(
        `Cannot restore Collector as reward scaling must match: current value is ${
          state.returnStats === null ? "off" : "on"
        }`,
      );
    }
    if (state.observationStats) this.observationStats!.setState(state.observationStats);
    if (state.returnStats) this.returnStats!.setState(state.returnStats);
    this.#rng.setState(state.rng);
    this.policyVersion = state.policyVersion;
    this.globalStep = state.globalStep;
    if (rawObs !== undefined) this.#rawObs.set(rawObs);
    this.#normalizeInto(this.#rawObs, this.#nextObs, false);
  }
}
