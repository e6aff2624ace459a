import { resolveConfig } from "../config/ppo_config.ts";
import { Rng } from "../core/rng.ts";
import { createPolicy } from "../model/create_policy.ts";
import { paramLayout } from "../model/param_layout.ts";
import { networkConfig } from "../train/create_agent.ts";
import { evaluationCollector } from "../train/evaluation_collector.ts";
import { loadTrainingCheckpoint } from "../train/load_training_checkpoint.ts";
import { FrameVecEnv } from "./_frame_vec_env.ts";
import type { FramedEpisode } from "./types.ts";
import { rendererFor } from "./renderer_for.ts";

/** Options of {@linkcode playEpisodes}. */
export interface PlayEpisodesOptions {
  /** A training checkpoint whose policy plays; without it, `envId` must be given and actions are random. */
  readonly checkpoint?: string;
  /** The environment of a random policy (ignored when a checkpoint is given). */
  readonly envId?: string;
  /** Play uniformly random actions even though a checkpoint is given (its environment is used). @default {false} */
  readonly random?: boolean;
  /** Episodes to play, one after the other. @default {1} */
  readonly episodes?: number;
  /** Sample actions instead of acting greedily (argmax / mean). @default {false} */
  readonly stochastic?: boolean;
  /** Seed of the environment and of action sampling. @default {1000} */
  readonly seed?: number;
}

/** The frames and outcomes of {@linkcode playEpisodes}. */
export interface PlayedEpisodes {
  /** The environment played. */
  readonly envId: string;
  /** The environment's own frame rate, for a video at real speed. */
  readonly fps: number;
  /** The episodes, in the order played. */
  readonly episodes: readonly FramedEpisode[];
}

/**
 * Plays whole episodes of one environment and draws every state as an SVG frame: a checkpoint's policy
 * (greedy by default, normalisation statistics frozen, as `evaluate` plays it) or a random one.
 *
 * @param options The checkpoint or environment, number of episodes, greedy or stochastic actions and seed.
 * @returns The environment id, its frame rate and the episodes' frames, returns and lengths.
 * @throws {TypeError} When the checkpoint is not a ppo-flow training checkpoint or neither a checkpoint nor an
 *   environment is given.
 *
 * @example
 * ```ts
 * import { playEpisodes } from "./play_episodes.ts";
 * import assert from "node:assert/strict";
 *
 * const played = await playEpisodes({ envId: "CartPole-v1", seed: 3 });
 * const [episode] = played.episodes;
 * assert.equal(episode!.frames.length, episode!.length + 1); // the reset frame, then one per step
 * ```
 */
export async function playEpisodes(options: PlayEpisodesOptions): Promise<PlayedEpisodes> {
  const count = options.episodes ?? 1;
  const seed = options.seed ?? 1000;
  if (!Number.isInteger(count) || count < 1) {
    throw new RangeError(
      `Cannot play episodes as episodes must be a positive integer: current value is ${count}`,
    );
  }
  if (options.checkpoint === undefined) {
    if (options.envId === undefined) {
      throw new TypeError(
        `Cannot play episodes as either a checkpoint or an envId is needed: current value is undefined`,
      );
    }
    return playRandom(options.envId, count, seed);
  }
  const { checkpoint, meta } = await loadTrainingCheckpoint(options.checkpoint, "play");
  const config = resolveConfig(meta.config);
  const envId = meta.envId;
  if (options.random) return playRandom(envId, count, seed);
  const renderer = rendererFor(envId);
  const vecEnv = new FrameVecEnv(envId, renderer);
  const engine = await createPolicy(paramLayout(networkConfig(config, vecEnv)), {
    engine: "reference",
    params: checkpoint.params,
  });
  try {
    const collector = evaluationCollector(engine, vecEnv, config, meta.collector, {
      seed,
      stochastic: options.stochastic ?? false,
    });
    while (vecEnv.episodes.length < count) await collector.step();
  } finally {
    await engine.dispose();
  }
  return { envId, fps: renderer.fps, episodes: vecEnv.episodes.slice(0, count) };
}

function playRandom(envId: string, count: number, seed: number): PlayedEpisodes {
  const renderer = rendererFor(envId);
  const vecEnv = new FrameVecEnv(envId, renderer);
  const rng = new Rng(seed + 2 ** 32);
  const space = vecEnv.actionSpace;
  const actions = new Float32Array(space.kind === "discrete" ? 1 : space.size);
  vecEnv.reset({ seed });
  while (vecEnv.episodes.length < count) {
    for (let i = 0; i < actions.length; i++) {
      actions[i] = space.kind === "discrete"
        ? space.start + rng.integer(space.n)
        : rng.uniform(space.low[i]!, space.high[i]!);
    }
    vecEnv.step(actions);
  }
  return { envId, fps: renderer.fps, episodes: vecEnv.episodes };
}
