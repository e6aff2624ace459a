/**
 * The pure reference math behind PPO, on plain typed arrays: dense and activation layers with their
 * gradients, categorical and diagonal-Gaussian action distributions, GAE, rewards-to-go and TD(0) targets, the
 * clipped PPO loss, gradient-norm clipping, Adam, orthogonal, Glorot-uniform and PyTorch-default initialisation,
 * running statistics and the seeded random number generator.
 * Every engine is tested against these functions.
 *
 * @example GAE of a one-step episode that terminates: the advantage is the reward minus the value
 * ```ts
 * import { gae } from "@ppo-flow/ppo-flow/core";
 * import assert from "node:assert/strict";
 *
 * const { advantages, returns } = gae({
 *   numSteps: 1, numEnvs: 1, rewards: [1], values: [0.25], terminated: [1], truncated: [0],
 *   finalValues: [0], nextValues: [0],
 * });
 * assert.deepEqual(Array.from(advantages), [0.75]);
 * assert.deepEqual(Array.from(returns), [1]);
 * ```
 *
 * @module
 */
export { type AdamBuffers, type AdamRange, adamStep, type AdamStepOptions } from "./adam_step.ts";
export { categoricalBackward, type CategoricalBackwardOptions } from "./categorical_backward.ts";
export { categoricalEntropy } from "./categorical_entropy.ts";
export { categoricalLogProb, type CategoricalOptions } from "./categorical_log_prob.ts";
export { categoricalMode } from "./categorical_mode.ts";
export { categoricalSample } from "./categorical_sample.ts";
export { clipGradNorm, type ClipGradNormResult } from "./clip_grad_norm.ts";
export { denseBackward, type DenseBackwardOptions, type DenseGradients } from "./dense_backward.ts";
export { denseForward, type DenseForwardOptions, type DenseLayer } from "./dense_forward.ts";
export { gae, type GaeInput, type GaeOptions, type GaeOutput } from "./gae.ts";
export { glorotUniform } from "./glorot_uniform.ts";
export {
  gaussianBackward,
  type GaussianBackwardOptions,
  type GaussianGradients,
} from "./gaussian_backward.ts";
export { gaussianEntropy } from "./gaussian_entropy.ts";
export { gaussianLogProb, type GaussianOptions } from "./gaussian_log_prob.ts";
export { gaussianSample } from "./gaussian_sample.ts";
export { logSoftmax, type SoftmaxOptions } from "./log_softmax.ts";
export { normalizeAdvantages, type NormalizeAdvantagesOptions } from "./normalize_advantages.ts";
export { orthogonalInit, type OrthogonalInitOptions } from "./orthogonal_init.ts";
export {
  type ActorCriticOutputs,
  ppoHeadLoss,
  type PpoHeadLossBatch,
  type PpoHeadLossBuffers,
  type PpoHeadLossResult,
} from "./ppo_head_loss.ts";
export {
  ppoLoss,
  type PpoLossBuffers,
  type PpoLossInputs,
  type PpoLossOptions,
  type PpoLossParts,
  type PpoLossResult,
} from "./ppo_loss.ts";
export { type LinearInit, pytorchLinearInit } from "./pytorch_linear_init.ts";
export { reluBackward, type ReluBackwardOptions } from "./relu_backward.ts";
export { reluForward, type ReluForwardOptions } from "./relu_forward.ts";
export { rewardsToGo, type RewardsToGoOptions } from "./rewards_to_go.ts";
export { Rng, type RngState } from "./rng.ts";
export { RunningMeanStd, type RunningMeanStdState } from "./running_mean_std.ts";
export { softmax } from "./softmax.ts";
export { tanhBackward, type TanhBackwardOptions } from "./tanh_backward.ts";
export { tanhForward, type TanhForwardOptions } from "./tanh_forward.ts";
export { tdTargets, type TdTargetsOptions } from "./td_targets.ts";
