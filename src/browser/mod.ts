/**
 * ppo-flow for browsers: the entry point `deno task bundle` turns into `ppo-flow.js`, an ES module with no Deno
 * API at import time. It holds the same environments, pipeline stages, engines (WebAssembly SIMD on the calling
 * thread, the plain-TypeScript reference, gpu.js on a hardware WebGPU adapter), metric streams, SVG renderers and
 * checkpoint format as the Deno library, and {@linkcode trainInBrowser}, `train()` without run files. What needs
 * a file system, a terminal, subprocesses or Deno's workers (run directories, TensorBoard files, PNG/GIF/MP4
 * output, the dashboard server, the threaded engine) is left out.
 *
 * @example Train CartPole in a page or worker and keep the checkpoint
 * ```ts ignore
 * import { trainInBrowser } from "./ppo-flow.js";
 *
 * const run = await trainInBrowser({ envId: "CartPole-v1", seed: 1 }, { usePreset: false });
 * run.iterations$.subscribe((m) => console.log(m.global_step, m["charts/SPS"], run.meanReturn100()));
 * await run.done;
 * const file = new Blob([run.checkpoint()]); // what `deno task eval --checkpoint` reads
 * ```
 *
 * @module
 */
export {
  BROWSER_ENGINE_CHOICES,
  type BrowserEngineChoice,
  type BrowserEngineName,
  type BrowserPolicy,
  type BrowserPolicyOptions,
  createBrowserPolicy,
} from "./browser_policy.ts";
export { GreedyPlayer, type GreedyPlayerOptions, type PlayedStep } from "./greedy_player.ts";
export {
  type BrowserRun,
  type BrowserRunSummary,
  type BrowserTrainOptions,
  trainInBrowser,
} from "./train_in_browser.ts";
export type { LoopSummary } from "../train/run_loop.ts";
export {
  type BackendChoice,
  DEFAULT_CONFIG,
  type DerivedSizes,
  derivedSizes,
  type EngineChoice,
  type PpoConfig,
  resolveConfig,
} from "../config/ppo_config.ts";
export { presetFor, PRESETS } from "../config/presets.ts";
export { Rng, type RngState, RunningMeanStd, type RunningMeanStdState } from "../core/mod.ts";
export * from "../envs/mod.ts";
export * from "../operators/mod.ts";
export {
  type Checkpoint,
  type CheckpointExpectation,
  type CheckpointTensor,
  decodeCheckpoint,
  type DecodeCheckpointOptions,
  encodeCheckpoint,
  type EncodeCheckpointOptions,
  type JsonObject,
  type JsonValue,
} from "../io/checkpoint_bytes.ts";
export { crc32c } from "../io/crc32c.ts";
export {
  decodeSafetensors,
  type DecodeSafetensorsOptions,
  encodeSafetensors,
  type Safetensors,
  type SafetensorsTensor,
} from "../io/safetensors.ts";
export type { BackendName, BackendProbe } from "../kernels/backend.ts";
export type { MachineFacts } from "../model/choose_engine.ts";
export type { EngineName } from "../model/engines.ts";
export { type Initializer, initParams, type InitParamsOptions } from "../model/init_params.ts";
export { paramLayout } from "../model/param_layout.ts";
export type * from "../model/types.ts";
export { registerRenderer } from "../render/register_renderer.ts";
export { renderFrame } from "../render/render_frame.ts";
export { rendererFor } from "../render/renderer_for.ts";
export type { FrameOptions, Renderer } from "../render/types.ts";
export {
  composeIteration,
  type IterationContext,
  iterationContext,
  ppoIteration,
  type PpoIterationOptions,
  type PpoStages,
} from "../train/ppo_iteration.ts";
