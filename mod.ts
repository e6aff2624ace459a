/**
 * ppo-flow: Proximal Policy Optimization for Deno, as an RxJS pipeline over batched policy engines.
 *
 * The root module holds the everyday API: {@linkcode train} and {@linkcode evaluate}, the config and its
 * presets, environments ({@linkcode make}, {@linkcode defineEnv}, {@linkcode VecEnv}), the pipeline stages
 * users compose ({@linkcode transitions}, {@linkcode rollout}, {@linkcode advantage}, {@linkcode minibatches},
 * {@linkcode ppoUpdate}, {@linkcode iterationMetrics}), {@linkcode createPolicy}, checkpoints and the render
 * entry points. The rest lives in subpath modules:
 *
 * - `@ppo-flow/ppo-flow/envs`: every environment class, wrappers and spaces
 * - `@ppo-flow/ppo-flow/operators`: the pipeline stages and the data between them
 * - `@ppo-flow/ppo-flow/core`: the reference math (GAE, PPO loss, distributions, Adam, RNG)
 * - `@ppo-flow/ppo-flow/model`: parameter layouts and the engines behind `PolicyEngine`
 * - `@ppo-flow/ppo-flow/kernels`: gpu.js backend names and probes
 * - `@ppo-flow/ppo-flow/io`: safetensors and checkpoints
 * - `@ppo-flow/ppo-flow/logging`: console, JSON Lines and TensorBoard sinks
 * - `@ppo-flow/ppo-flow/render`: frames, PNG, GIF and MP4
 * - `@ppo-flow/ppo-flow/plot`: learning curves
 * - `@ppo-flow/ppo-flow/dashboard`: the live training page
 *
 * @example Train CartPole and watch the episodic return
 * ```ts ignore
 * import { train } from "@ppo-flow/ppo-flow";
 *
 * const run = await train({ envId: "CartPole-v1", totalTimesteps: 50_000 });
 * run.iterations$.subscribe((m) => console.log(m.global_step, m["charts/episodic_return"]));
 * await run.done;
 * ```
 *
 * @module
 */
export {
  type BackendChoice,
  DEFAULT_CONFIG,
  type DerivedSizes,
  derivedSizes,
  type PpoConfig,
  resolveConfig,
} from "./src/config/ppo_config.ts";
export { presetFor, PRESETS } from "./src/config/presets.ts";
export { Rng, type RngState, RunningMeanStd, type RunningMeanStdState } from "./src/core/mod.ts";
export {
  type Action,
  type ActionOf,
  Box,
  BufferedEnv,
  type DefinedStep,
  defineEnv,
  Discrete,
  type Env,
  type EnvDefinition,
  type EnvDefinitionOptions,
  type EnvFactory,
  type EnvSpec,
  type EnvState,
  type EpisodeRecord,
  make,
  type MakeOptions,
  register,
  type ResetOptions,
  type ResetResult,
  type Space,
  type StepOutput,
  type StepResult,
  TimeLimit,
  VecEnv,
  type VecEnvOptions,
  type VecEnvState,
  type VecStepResult,
} from "./src/envs/mod.ts";
export {
  type Checkpoint,
  type CheckpointExpectation,
  type CheckpointTensor,
  type JsonObject,
  type JsonValue,
  loadCheckpoint,
} from "./src/io/mod.ts";
export type { BackendName, BackendProbe } from "./src/kernels/mod.ts";
export {
  type AutoPick,
  chooseEngine,
  type ChosenEngine,
  createPolicy,
  type CreatePolicyOptions,
  type EngineChoice,
  type EngineEntry,
  type EngineName,
  type EngineOptions,
  ENGINES,
  type Initializer,
  initParams,
  type InitParamsOptions,
  type Machine,
  type MachineFacts,
  paramLayout,
} from "./src/model/mod.ts";
export type * from "./src/model/types.ts";
export * from "./src/operators/mod.ts";
export {
  type EpisodeRecorder,
  type FramedEpisode,
  type FrameOptions,
  type PlayedEpisodes,
  playEpisodes,
  type PlayEpisodesOptions,
  type RecordableRun,
  recordEpisodes,
  type RecordEpisodesOptions,
  registerRenderer,
  type Renderer,
  renderFrame,
  writeAnimation,
  type WriteAnimationOptions,
} from "./src/render/mod.ts";
export { type Agent, createAgent, networkConfig } from "./src/train/create_agent.ts";
export { evaluate, type EvaluateOptions, type EvaluationResult } from "./src/train/evaluate.ts";
export {
  composeIteration,
  type IterationContext,
  iterationContext,
  ppoIteration,
  type PpoIterationOptions,
  type PpoStages,
} from "./src/train/ppo_iteration.ts";
export { consoleSink, jsonlSink, type MetricSink, tensorBoardSink } from "./src/logging/metric_sink.ts";
export type { ConsoleProgressOptions, ProgressSink } from "./src/logging/console_progress.ts";
export { type Run, type RunSummary, train, type TrainOptions } from "./src/train/train.ts";
export type { LoopSummary } from "./src/train/run_loop.ts";
