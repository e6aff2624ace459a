/**
 * Data that flows between the pipeline's stages. Everything is struct-of-arrays: one typed array per field,
 * rows in step-major order (`[step][env][...]`), never arrays of per-transition objects.
 *
 * @module
 */
import type { TrainStepStats } from "../model/types.ts";

/** An episode that ended during a step: its undiscounted, unnormalised return and its length. */
export interface EpisodeResult {
  /** Index of the environment in its vector. */
  readonly env: number;
  /** Sum of the episode's raw rewards. */
  readonly return: number;
  /** Steps in the episode. */
  readonly length: number;
  /** Global step at which it ended. */
  readonly globalStep: number;
}

/**
 * Transitions as struct-of-arrays: one row per env and step (a step batch has `numEnvs` rows, a rollout
 * `numSteps * numEnvs`, step-major).
 */
export interface TransitionArrays {
  /** Parallel environments (CleanRL's `num_envs`). */
  readonly numEnvs: number;
  /** Values in one observation. */
  readonly obsDim: number;
  /** Values in one action: 1 for a `Discrete` space, the size of a `Box`. */
  readonly actionDim: number;
  /** `[rows * obsDim]` observations the actions were taken in (normalised if normalisation is on). */
  readonly obs: Float32Array;
  /** `[rows * actionDim]` actions as sampled (before clipping to the action space). */
  readonly actions: Float32Array;
  /** `[rows]` log-probabilities of the actions under the policy that took them. */
  readonly logProbs: Float32Array;
  /** `[rows]` critic values of `obs`. */
  readonly values: Float32Array;
  /** Rewards used for learning (scaled if reward scaling is on; a shaping operator may replace them). */
  readonly rewards: Float32Array;
  /** `[rows]` 1 where the episode reached a terminal state (no bootstrap). */
  readonly terminated: Uint8Array;
  /** `[rows]` 1 where the episode was cut, by the time limit or the env (bootstrap from `finalObs`). */
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
  /** Vector steps per env (CleanRL's `num_steps`). */
  readonly numSteps: number;
  /** Global step after the rollout. */
  readonly globalStep: number;
}

/** A rollout with its advantages and returns. */
export interface AdvantageBatch extends Rollout {
  /** `[rows]` GAE advantages, not normalised. */
  readonly advantages: Float32Array;
  /** `[rows]` value targets: advantages + values. */
  readonly returns: Float32Array;
}

/** One minibatch: row indices into its batch. */
export interface Minibatch {
  /** The whole iteration's batch the rows index. */
  readonly batch: AdvantageBatch;
  /** Row indices (a view into the epoch's permutation). */
  readonly indices: Int32Array;
  /** Epoch of the update, from 0 (CleanRL's `update_epochs` loop). */
  readonly epoch: number;
  /** Position within the epoch. */
  readonly index: number;
  /** Minibatches per epoch (CleanRL's `num_minibatches`). */
  readonly numMinibatches: number;
  /** Epochs over the batch (CleanRL's `update_epochs`). */
  readonly updateEpochs: number;
}

/** Losses and diagnostics of one optimizer step (CleanRL's meanings), as the engine reports them. */
export type UpdateLosses = TrainStepStats;

/** The result of one minibatch update. */
export interface UpdateResult {
  /** The batch the minibatch came from. */
  readonly batch: AdvantageBatch;
  /** Epoch of the update, from 0. */
  readonly epoch: number;
  /** Position of the minibatch within its epoch. */
  readonly index: number;
  /** Actor learning rate of this step, after annealing. */
  readonly learningRate: number;
  /** Losses and diagnostics of the step. */
  readonly losses: UpdateLosses;
  /** True on the iteration's last update (the last minibatch, or the one that stopped early on `targetKl`). */
  readonly final: boolean;
  /** True when `targetKl` stopped the epochs after this update. */
  readonly earlyStopped: boolean;
}

/** One line of `metrics.jsonl`: CleanRL's keys, plus `global_step` and `iteration`. */
export interface IterationMetrics {
  /** Environment steps taken so far, over all envs. */
  readonly global_step: number;
  /** Iteration number, from 1. */
  readonly iteration: number;
  /** Mean return of the episodes that ended in this iteration (absent if none). */
  readonly "charts/episodic_return"?: number;
  /** Mean length of the episodes that ended in this iteration (absent if none). */
  readonly "charts/episodic_length"?: number;
  /** Environment steps per second, from the start of the metrics (or `IterationMetricsOptions.since`). */
  readonly "charts/SPS": number;
  /** Actor learning rate of the iteration's last update. */
  readonly "charts/learning_rate": number;
  /** Value loss of the iteration's last update. */
  readonly "losses/value_loss": number;
  /** Clipped surrogate loss of the iteration's last update. */
  readonly "losses/policy_loss": number;
  /** Mean policy entropy at the iteration's last update. */
  readonly "losses/entropy": number;
  /** `mean(-logratio)` at the iteration's last update. */
  readonly "losses/old_approx_kl": number;
  /** `mean((ratio - 1) - logratio)` (k3) at the iteration's last update. */
  readonly "losses/approx_kl": number;
  /** Mean over the iteration's updates of the fraction of clipped ratios. */
  readonly "losses/clipfrac": number;
  /** `1 - Var(returns - values) / Var(returns)` over the whole batch (NaN when returns are constant). */
  readonly "losses/explained_variance": number;
  /** Number of episodes that ended in this iteration. */
  readonly "charts/episodes": number;
}
