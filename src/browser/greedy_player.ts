import { resolveConfig } from "../config/ppo_config.ts";
import { VecEnv } from "../envs/vec_env.ts";
import { decodeCheckpoint } from "../io/checkpoint_bytes.ts";
import { paramLayout } from "../model/param_layout.ts";
import type { PolicyEngine } from "../model/types.ts";
import type { Collector } from "../operators/collector.ts";
import { captureState } from "../render/_capture.ts";
import { EnvMirror } from "../render/_env_mirror.ts";
import { rendererFor } from "../render/renderer_for.ts";
import type { Renderer } from "../render/types.ts";
import { networkConfig } from "../train/create_agent.ts";
import { evaluationCollector } from "../train/evaluation_collector.ts";
import { trainingCheckpoint } from "../train/training_metadata.ts";
import { type BrowserEngineChoice, createBrowserPolicy } from "./browser_policy.ts";

/** Options of {@linkcode GreedyPlayer.load}. */
export interface GreedyPlayerOptions {
  /** What to call the checkpoint in error messages (a file name). @default {"(bytes)"} */
  readonly source?: string;
  /** Seed of the played env. @default {1000, as `deno task eval`} */
  readonly seed?: number;
  /** The engine (see `createBrowserPolicy`). @default {"reference", fastest for one observation at a time} */
  readonly engine?: BrowserEngineChoice;
}

/** One step of play: the frame after it and the episode so far. */
export interface PlayedStep {
  /** The state after the step, as SVG (the reset frame of the next episode is the next step's `svg`'s source). */
  readonly svg: string;
  /** The episode's undiscounted return so far. */
  readonly episodeReturn: number;
  /** The episode's steps so far. */
  readonly episodeLength: number;
  /** Whether this step ended the episode (the next step plays a new one). */
  readonly ended: boolean;
}

/**
 * Plays a training checkpoint's policy greedily (argmax / mean action, normalisation frozen) in one env, one
 * step at a time, drawing each state with the env's SVG renderer: what `deno task eval` plays, with pictures.
 *
 * @example
 * ```ts
 * import { GreedyPlayer } from "./greedy_player.ts";
 * import { trainInBrowser } from "./train_in_browser.ts";
 * import assert from "node:assert/strict";
 *
 * const run = await trainInBrowser({ envId: "CartPole-v1", totalTimesteps: 512 }, { usePreset: false });
 * await run.done;
 * const player = await GreedyPlayer.load(run.checkpoint());
 * assert.match(player.step().svg, /^<svg/);
 * await player.dispose();
 * await run.dispose();
 * ```
 */
export class GreedyPlayer {
  /** The environment the checkpoint was trained on. */
  readonly envId: string;
  /** Steps per second at the environment's own speed (Gymnasium's `render_fps`). */
  readonly fps: number;
  readonly #engine: PolicyEngine;
  readonly #collector: Collector;
  readonly #vecEnv: VecEnv;
  readonly #mirror: EnvMirror;
  readonly #renderer: Renderer<unknown>;
  #return = 0;
  #length = 0;

  private constructor(
    envId: string,
    engine: PolicyEngine,
    collector: Collector,
    vecEnv: VecEnv,
    mirror: EnvMirror,
  ) {
    this.envId = envId;
    this.#engine = engine;
    this.#collector = collector;
    this.#vecEnv = vecEnv;
    this.#mirror = mirror;
    this.#renderer = rendererFor(envId);
    this.fps = this.#renderer.fps;
  }

  /**
   * Loads a training checkpoint's bytes (from `BrowserRun.checkpoint()`, or a file `deno task train` wrote).
   *
   * @param bytes The checkpoint file's bytes.
   * @param options Name for errors, seed and engine.
   * @returns A player at the start of an episode.
   * @throws {Error} When the bytes are not a valid ppo-flow training checkpoint.
   */
  static async load(bytes: Uint8Array, options: GreedyPlayerOptions = {}): Promise<GreedyPlayer> {
    const source = options.source ?? "(bytes)";
    const { checkpoint, meta } = trainingCheckpoint(decodeCheckpoint(bytes, { source }), source, "play");
    const config = resolveConfig(meta.config);
    const seed = options.seed ?? 1000;
    const vecEnv = new VecEnv(meta.envId, 1, {
      seed,
      ...(config.maxEpisodeSteps === null ? {} : { maxEpisodeSteps: config.maxEpisodeSteps }),
    });
    const layout = paramLayout(networkConfig(config, vecEnv));
    const { policy } = await createBrowserPolicy(layout, {
      engine: options.engine ?? "reference",
      params: checkpoint.params,
    });
    const collector = evaluationCollector(policy, vecEnv, config, meta.collector, {
      seed,
      stochastic: false,
    });
    return new GreedyPlayer(
      meta.envId,
      policy,
      collector,
      vecEnv,
      new EnvMirror(meta.envId, config.clipActions),
    );
  }

  /** The current state as SVG, with the episode's step and return as caption. */
  frame(): string {
    this.#sync();
    return this.#renderer.frame(captureState(this.#renderer, this.#mirror.env), {
      caption: `greedy  step ${this.#length}  return ${this.#return.toFixed(1)}`,
    });
  }

  /**
   * Takes one greedy step.
   *
   * @returns The frame after the step and the episode so far.
   */
  step(): PlayedStep {
    this.#sync();
    const step = this.#collector.step();
    if (step instanceof Promise) {
      throw new TypeError("Cannot play a step as the engine acts asynchronously: current value is a Promise");
    }
    const { action, reward } = this.#mirror.follow(step);
    this.#return += reward;
    this.#length++;
    const svg = this.#renderer.frame(captureState(this.#renderer, this.#mirror.env), {
      action,
      caption: `greedy  step ${this.#length}  return ${this.#return.toFixed(1)}`,
    });
    const ended = step.episodes.length > 0;
    const played = { svg, episodeReturn: this.#return, episodeLength: this.#length, ended };
    if (ended) {
      this.#return = 0;
      this.#length = 0;
    }
    return played;
  }

  /** Frees the engine. */
  async dispose(): Promise<void> {
    await this.#engine.dispose();
  }

  #sync(): void {
    if (this.#mirror.synced) return;
    const env0 = this.#vecEnv.getState()?.envs[0];
    if (env0 === undefined) {
      throw new TypeError(`Cannot draw ${this.envId} as it cannot report its state: current value is null`);
    }
    this.#mirror.sync(env0);
  }
}
