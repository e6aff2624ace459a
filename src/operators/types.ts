/**
 * Data that flows between the pipeline's stages. Everything is struct-of-arrays: one typed array per field,
 * rows in step-major order (`[step][env][...]`), never arrays of per-transition objects.
 *
 * @module
 */
import type { TrainStepStats } from "../model/types.ts";

/** An episode that ended during a step: its undiscounted, unnormalised return and its length. */
export interface EpisodeResult {
  readonly env: number;
  readonly return: number;
  readonly length: number;
  /** Global step at which it ended. */
  readonly globalStep: number;
}

/**
 * Transitions as struct-of-arrays: one row per env and step (a step batch has `numEnvs` rows, a rollout
 * `numSteps * numEnvs`, step-major).
 */
export interface TransitionArrays {
  readonly numEnvs: number;
  readonly obsDim: number;
  readonly actionDim: number;
  /** `[rows * obsDim]` observations the actions were taken in (normalised if normalisation is on). */
  readonly obs: Float32Array;
  /** `[rows * actionDim]` actions as sampled (before clipping to the action space). */
  readonly actions: Float32Array;
  readonly logProbs: Float32Array;
  readonly values: Float32Array;
  /** Rewards used for learning (scaled if reward scaling is on; a shaping operator may replace them). */
  readonly rewards: Float32Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  /** `[rows * obsDim]` final observations of envs that finished at that step (valid where done). */
  readonly finalObs: Float32Array;
  /** `[numEnvs * obsDim]` observations after the last step (reset observations where an episode finished). */
  readonly nextObs: Float32Array;
  /** Episodes that ended in these steps. */
  readonly episodes: readonly EpisodeResult[];
  /** Number of completed policy updates when these steps were taken. */
  readonly policyVersion: number;
}

/**
 * One vector step of `numEnvs` environments with the current policy.
 *
 * Its arrays are the collector's buffers and are overwritten by the next step: a stage that keeps data copies it.
 */
export interface StepBatch extends TransitionArrays {
  /** Environment steps taken before this one, over all envs. */
  readonly globalStep: number;
}

/** `numSteps` vector steps collected with one policy version. */
export interface Rollout extends TransitionArrays {
  readonly numSteps: number;
  /** Global step after the rollout. */
  readonly globalStep: number;
}

/** A rollout with its advantages and returns. */
export interface AdvantageBatch extends Rollout {
  readonly advantages: Float32Array;
  readonly returns: Float32Array;
}

/** One minibatch: row indices into its batch. */
export interface Minibatch {
  readonly batch: AdvantageBatch;
  /** Row indices (a view into the epoch's permutation). */
  readonly indices: Int32Array;
  readonly epoch: number;
  /** Position within the epoch. */
  readonly index: number;
  readonly numMinibatches: number;
  readonly updateEpochs: number;
}

/** Losses and diagnostics of one optimizer step (CleanRL's meanings), as the engine reports them. */
export type UpdateLosses = TrainStepStats;

/** The result of one minibatch update. */
export interface UpdateResult {
  readonly batch: AdvantageBatch;
  readonly epoch: number;
  readonly index: number;
  readonly learningRate: number;
  readonly losses: UpdateLosses;
  /** True on the iteration's last update (the last minibatch, or the one that stopped early on `targetKl`). */
  readonly final: boolean;
  /** True when `targetKl` stopped the epochs after this update. */
  readonly earlyStopped: boolean;
}

/** One line of `metrics.jsonl`: CleanRL's keys, plus `global_step` and `iteration`. */
export interface IterationMetrics {
  readonly global_step: number;
  readonly iteration: number;
  /** Mean return of the episodes that ended in this iteration (absent if none). */
  readonly "charts/episodic_return"?: number;
  readonly "charts/episodic_length"?: number;
  readonly "charts/SPS": number;
  readonly "charts/learning_rate": number;
  readonly "losses/value_loss": number;
  readonly "losses/policy_loss": number;
  readonly "losses/entropy": number;
  readonly "losses/old_approx_kl": number;
  readonly "losses/approx_kl": number;
  readonly "losses/clipfrac": number;
  readonly "losses/explained_variance": number;
  /** Number of episodes that ended in this iteration. */
  readonly "charts/episodes": number;
}
