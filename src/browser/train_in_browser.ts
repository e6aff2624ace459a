import type { Observable } from "../_rxjs.ts";
import { type PpoConfig, resolveConfig } from "../config/ppo_config.ts";
import { configToJson } from "../config/config_to_json.ts";
import { presetFor } from "../config/presets.ts";
import type { MachineFacts } from "../model/choose_engine.ts";
import type { VecEnvState } from "../envs/vec_env.ts";
import { encodeCheckpoint } from "../io/checkpoint_bytes.ts";
import type { EpisodeResult, IterationMetrics, StepBatch, UpdateResult } from "../operators/types.ts";
import { createAgent } from "../train/create_agent.ts";
import { type LoopSummary, runLoop } from "../train/run_loop.ts";
import { type TrainingMetadata, trainingMetadata } from "../train/training_metadata.ts";
import {
  type BrowserEngineChoice,
  type BrowserEngineName,
  type BrowserPolicy,
  createBrowserPolicy,
} from "./browser_policy.ts";

/** Options of {@linkcode trainInBrowser} that are not hyperparameters. */
export interface BrowserTrainOptions {
  /** The engine (see `createBrowserPolicy`). @default {"auto"} */
  readonly engine?: BrowserEngineChoice;
  /** Apply the environment's preset under `config`; false gives CleanRL's settings. @default {true} */
  readonly usePreset?: boolean;
  /** Milliseconds clock for SPS. @default {performance.now} */
  readonly clock?: () => number;
  /** Facts about the machine for the `"auto"` engine, probed when absent. @default {{}} */
  readonly facts?: MachineFacts;
}

/** How a browser run ended: `train()`'s summary without a checkpoint path. */
export type BrowserRunSummary = LoopSummary;

/** A training run in a page or worker: hot metric streams, the checkpoint as bytes, and a clean stop. */
export interface BrowserRun {
  /** The resolved config. */
  readonly config: PpoConfig;
  /** The engine that runs the networks. */
  readonly engine: BrowserEngineName;
  /** Why that engine. */
  readonly engineReason: string;
  /** One record per iteration (CleanRL's keys). Hot: subscribe right after `trainInBrowser()` resolves. */
  readonly iterations$: Observable<IterationMetrics>;
  /** Every finished episode. */
  readonly episodes$: Observable<EpisodeResult>;
  /** Every minibatch update's losses. */
  readonly updates$: Observable<UpdateResult>;
  /** Every vector step, synchronously (its buffers are reused: copy what you keep). */
  readonly steps$: Observable<StepBatch>;
  /** Mean return of the last 100 finished episodes, or null before the first. */
  meanReturn100(): number | null;
  /** A snapshot of the training envs, or null if they cannot save it. */
  envStates(): VecEnvState | null;
  /**
   * The run as a training checkpoint's bytes, the file `train()` writes (`deno task eval --checkpoint` plays
   * it). Call it between iterations (from a handler of `iterations$`, or another task) or after the run ended.
   */
  checkpoint(): Uint8Array;
  /** Resolves when training ends (rejects on an error). */
  readonly done: Promise<BrowserRunSummary>;
  /** Finishes the current iteration and ends the run. */
  stop(): Promise<BrowserRunSummary>;
  /** Stops the run and frees its engine (after which `checkpoint()` cannot be called). */
  dispose(): Promise<void>;
}

/**
 * Trains a PPO agent without a file system: `train()`'s composition (CleanRL's stages, one iteration at a time,
 * a macrotask between iterations so messages and rendering get their turn), minus run files. It runs wherever the
 * bundle loads: a Web Worker, a page, Deno. Training starts on the next turn of the event loop.
 *
 * @param config Hyperparameters to override (CleanRL names).
 * @param options Engine, preset and clock.
 * @returns The running {@linkcode BrowserRun}.
 *
 * @example
 * ```ts
 * import { trainInBrowser } from "./train_in_browser.ts";
 * import assert from "node:assert/strict";
 *
 * const run = await trainInBrowser({ envId: "CartPole-v1", totalTimesteps: 1024 }, { usePreset: false });
 * const summary = await run.done;
 * assert.equal(summary.globalStep, 1024);
 * assert.ok(run.checkpoint().length > 0);
 * await run.dispose();
 * ```
 */
export async function trainInBrowser(
  config: Partial<PpoConfig> = {},
  options: BrowserTrainOptions = {},
): Promise<BrowserRun> {
  const clock = options.clock ?? (() => performance.now());
  const resolved = resolveConfig(
    options.usePreset === false ? config : presetFor(config.envId ?? "CartPole-v1", config),
  );
  let created: BrowserPolicy | undefined;
  const agent = await createAgent(resolved, undefined, async (layout, params) => {
    created = await createBrowserPolicy(layout, {
      params,
      ...(options.engine === undefined ? {} : { engine: options.engine }),
      ...(options.facts === undefined ? {} : { facts: options.facts }),
    });
    return created.policy;
  });
  const { engine: policy, layout, vecEnv } = agent;
  const runId = crypto.randomUUID();
  // The engine stays alive after training, until dispose(): checkpoint() reads its parameters and moments.
  const loop = runLoop(agent, { clock });
  const { done, meanReturn100 } = loop;

  return {
    config: resolved,
    engine: created!.engine,
    engineReason: created!.reason,
    iterations$: loop.iterations$,
    episodes$: loop.episodes$,
    updates$: loop.updates$,
    steps$: loop.steps$,
    meanReturn100,
    envStates: () => vecEnv.getState(),
    checkpoint: () =>
      encodeCheckpoint({
        params: policy.getParams(),
        tensors: layout.tensors,
        optimizer: policy.getOptimizerState(),
        metadata: configAsJson(trainingMetadata(agent, loop.recentReturns, meanReturn100(), runId)),
      }, { action: "save the browser run's checkpoint" }),
    done,
    stop: loop.stop,
    async dispose() {
      await loop.stop().catch(() => {});
      await policy.dispose();
    },
  };
}

/** The metadata as `train()` saves it: the config's non-finite numbers as strings (JSON has no Infinity). */
function configAsJson(meta: TrainingMetadata): Record<string, unknown> {
  return { ...meta, config: configToJson(meta.config) };
}
