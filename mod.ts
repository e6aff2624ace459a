/**
 * ppo-flow: Proximal Policy Optimization for Deno, as an RxJS pipeline over batched gpu.js kernels.
 *
 * @module
 */
export { Rng, type RngState } from "./src/core/rng.ts";
export { Box } from "./src/envs/box.ts";
export { Discrete } from "./src/envs/discrete.ts";
export type * from "./src/envs/types.ts";
export { BufferedEnv, type EnvState, type StepOutput } from "./src/envs/buffered_env.ts";
export { TimeLimit } from "./src/envs/time_limit.ts";
export { make, type MakeOptions } from "./src/envs/make.ts";
export { type EnvFactory, register } from "./src/envs/register.ts";
export {
  type ActionOf,
  type DefinedStep,
  defineEnv,
  type EnvDefinition,
  type EnvDefinitionOptions,
} from "./src/envs/define_env.ts";
export {
  type EpisodeRecord,
  VecEnv,
  type VecEnvOptions,
  type VecEnvState,
  type VecStepResult,
} from "./src/envs/vec_env.ts";
export { CartPole } from "./src/envs/cart_pole.ts";
export { Acrobot } from "./src/envs/acrobot.ts";
export { MountainCar } from "./src/envs/mountain_car.ts";
export { MountainCarContinuous } from "./src/envs/mountain_car_continuous.ts";
export { Pendulum } from "./src/envs/pendulum.ts";
export { LunarLander, type LunarLanderOptions, type LunarLanderScene } from "./src/envs/lunar_lander.ts";
export type * from "./src/model/types.ts";
export { paramLayout } from "./src/model/param_layout.ts";
export { denseForward, type DenseForwardOptions, type DenseLayer } from "./src/core/dense_forward.ts";
export { denseBackward, type DenseBackwardOptions, type DenseGradients } from "./src/core/dense_backward.ts";
export { tanhForward, type TanhForwardOptions } from "./src/core/tanh_forward.ts";
export { tanhBackward, type TanhBackwardOptions } from "./src/core/tanh_backward.ts";
export { reluForward, type ReluForwardOptions } from "./src/core/relu_forward.ts";
export { reluBackward, type ReluBackwardOptions } from "./src/core/relu_backward.ts";
export { softmax } from "./src/core/softmax.ts";
export { logSoftmax, type SoftmaxOptions } from "./src/core/log_softmax.ts";
export { categoricalLogProb, type CategoricalOptions } from "./src/core/categorical_log_prob.ts";
export { categoricalEntropy } from "./src/core/categorical_entropy.ts";
export { categoricalSample } from "./src/core/categorical_sample.ts";
export { categoricalMode } from "./src/core/categorical_mode.ts";
export { categoricalBackward, type CategoricalBackwardOptions } from "./src/core/categorical_backward.ts";
export { gaussianLogProb, type GaussianOptions } from "./src/core/gaussian_log_prob.ts";
export { gaussianEntropy } from "./src/core/gaussian_entropy.ts";
export { gaussianSample } from "./src/core/gaussian_sample.ts";
export {
  gaussianBackward,
  type GaussianBackwardOptions,
  type GaussianGradients,
} from "./src/core/gaussian_backward.ts";
export { normalizeAdvantages, type NormalizeAdvantagesOptions } from "./src/core/normalize_advantages.ts";
export {
  ppoLoss,
  type PpoLossInputs,
  type PpoLossOptions,
  type PpoLossParts,
  type PpoLossResult,
} from "./src/core/ppo_loss.ts";
export {
  type ActorCriticOutputs,
  ppoHeadLoss,
  type PpoHeadLossBatch,
  type PpoHeadLossResult,
} from "./src/core/ppo_head_loss.ts";
export { clipGradNorm, type ClipGradNormResult } from "./src/core/clip_grad_norm.ts";
export { type AdamBuffers, type AdamRange, adamStep, type AdamStepOptions } from "./src/core/adam_step.ts";
export { orthogonalInit, type OrthogonalInitOptions } from "./src/core/orthogonal_init.ts";
export { initParams } from "./src/model/init_params.ts";
export {
  type ActorCriticForward,
  type LossAndGradientOptions,
  type ParamArray,
  ReferenceActorCritic,
  type ReferenceMinibatch,
} from "./src/model/reference_actor_critic.ts";
export {
  createReferencePolicy,
  type ReferencePolicy,
  type ReferencePolicyOptions,
} from "./src/model/reference_policy.ts";
export { createGpuPolicy, type GpuPolicy, type GpuPolicyOptions } from "./src/model/gpu_policy.ts";
export type { Threads } from "./src/kernels/policy_plans.ts";
export {
  type BackendName,
  type BackendProbe,
  BACKENDS,
  chooseBackend,
  probeBackend,
} from "./src/kernels/backend.ts";
export { crc32c } from "./src/io/crc32c.ts";
export {
  decodeSafetensors,
  type DecodeSafetensorsOptions,
  encodeSafetensors,
  type Safetensors,
  type SafetensorsTensor,
} from "./src/io/safetensors.ts";
export {
  type Checkpoint,
  type CheckpointExpectation,
  type CheckpointFile,
  type CheckpointFileSystem,
  type CheckpointTensor,
  type JsonObject,
  type JsonValue,
  loadCheckpoint,
  saveCheckpoint,
  type SaveCheckpointOptions,
} from "./src/io/checkpoint.ts";
export { TensorBoardWriter, type TensorBoardWriterOptions } from "./src/logging/tensorboard_writer.ts";
export {
  readTensorBoardEvents,
  type ReadTensorBoardEventsOptions,
  type TensorBoardEvent,
} from "./src/logging/tensorboard_reader.ts";
export { JsonlWriter, type JsonlWriterOptions } from "./src/logging/jsonl_writer.ts";
export {
  ConsoleProgress,
  type ConsoleProgressOptions,
  type ProgressMetrics,
  type ProgressSink,
} from "./src/logging/console_progress.ts";
export { gae, type GaeInput, type GaeOptions, type GaeOutput } from "./src/core/gae.ts";
export { RunningMeanStd, type RunningMeanStdState } from "./src/core/running_mean_std.ts";
export type * from "./src/operators/types.ts";
export { transitions } from "./src/operators/transitions.ts";
export { rollout, type RolloutOptions } from "./src/operators/rollout.ts";
export { advantage, type AdvantageOptions } from "./src/operators/advantage.ts";
export { minibatches, type MinibatchesOptions } from "./src/operators/minibatches.ts";
export { ppoUpdate, type PpoUpdateOptions, type UpdateTarget } from "./src/operators/ppo_update.ts";
export { iterationMetrics, type IterationMetricsOptions } from "./src/operators/iteration_metrics.ts";
export { Collector, type CollectorOptions, type CollectorState } from "./src/operators/collector.ts";
export {
  type BackendChoice,
  DEFAULT_CONFIG,
  type DerivedSizes,
  derivedSizes,
  type PpoConfig,
  resolveConfig,
} from "./src/config/ppo_config.ts";
export { presetFor, PRESETS } from "./src/config/presets.ts";
export { createPolicy, type CreatePolicyOptions } from "./src/model/create_policy.ts";
export { type Agent, createAgent, networkConfig } from "./src/train/create_agent.ts";
export { ppoIteration, type PpoIterationOptions } from "./src/train/ppo_iteration.ts";
export { type Run, type RunSummary, train, type TrainOptions } from "./src/train/train.ts";
export { evaluate, type EvaluateOptions, type EvaluationResult } from "./src/train/evaluate.ts";
export type { FramedEpisode, FrameOptions, Renderer } from "./src/render/types.ts";
export { renderFrame } from "./src/render/render_frame.ts";
export { rendererFor } from "./src/render/renderer_for.ts";
export { registerRenderer } from "./src/render/register_renderer.ts";
export { cartPoleFrame } from "./src/render/cart_pole_frame.ts";
export { acrobotFrame } from "./src/render/acrobot_frame.ts";
export { mountainCarFrame, type MountainCarFrameOptions } from "./src/render/mountain_car_frame.ts";
export { pendulumFrame } from "./src/render/pendulum_frame.ts";
export { lunarLanderFrame } from "./src/render/lunar_lander_frame.ts";
export { lunarLanderRenderer } from "./src/render/lunar_lander_renderer.ts";
export { type RasterImage, rasterize, type RasterizeOptions } from "./src/render/rasterize.ts";
export { svgToPng } from "./src/render/svg_to_png.ts";
export { encodeGif, type EncodeGifOptions } from "./src/render/encode_gif.ts";
export { encodeMp4, type EncodeMp4Options } from "./src/render/encode_mp4.ts";
export { writeAnimation, type WriteAnimationOptions } from "./src/render/write_animation.ts";
export { type PlayedEpisodes, playEpisodes, type PlayEpisodesOptions } from "./src/render/play_episodes.ts";
export {
  type EpisodeRecorder,
  type RecordableRun,
  recordEpisodes,
  type RecordEpisodesOptions,
} from "./src/render/record_episodes.ts";
export { type MetricsRecord, readMetrics } from "./src/plot/read_metrics.ts";
export {
  type CurveSeries,
  type LearningCurveOptions,
  learningCurveSvg,
} from "./src/plot/learning_curve_svg.ts";
export { writeLearningCurve } from "./src/plot/write_learning_curve.ts";
export {
  type Dashboard,
  type DashboardOptions,
  type DashboardRun,
  serveDashboard,
} from "./src/dashboard/serve_dashboard.ts";
