import type { Box } from "../envs/box.ts";
import type { StepOutput } from "../envs/buffered_env.ts";
import { make } from "../envs/make.ts";
import type { TimeLimit } from "../envs/time_limit.ts";
import type { Space } from "../envs/types.ts";
import type { VectorEnvironment } from "../operators/collector.ts";
import type { FramedEpisode, Renderer } from "./types.ts";
import { captureState } from "./_capture.ts";

/**
 * A one-env `VectorEnvironment` that draws a frame after every reset and step, so a `Collector` (or a random
 * policy) can play it: unlike a `VecEnv`, it sees the final state of an episode before the autoreset.
 */
export class FrameVecEnv implements VectorEnvironment {
  readonly numEnvs = 1;
  readonly observationSpace: Box;
  readonly actionSpace: Space;
  readonly env: TimeLimit;
  readonly episodes: FramedEpisode[] = [];
  #renderer: Renderer<unknown>;
  #frames: string[] = [];
  #return = 0;
  #length = 0;
  #out: StepOutput;
  #rewards = new Float64Array(1);
  #terminated = new Uint8Array(1);
  #truncated = new Uint8Array(1);
  #finalObs: Float32Array;

  constructor(envId: string, renderer: Renderer<unknown>) {
    this.#renderer = renderer;
    this.env = make(envId);
    this.observationSpace = this.env.observationSpace;
    this.actionSpace = this.env.actionSpace;
    const size = this.observationSpace.size;
    this.#out = { obs: new Float32Array(size), offset: 0, reward: 0, terminated: false, truncated: false };
    this.#finalObs = new Float32Array(size);
  }

  reset(options: { seed?: number } = {}): { readonly obs: Float32Array } {
    this.env.resetInto(this.#out.obs, 0, options.seed === undefined ? undefined : { seed: options.seed });
    this.#startEpisode();
    return { obs: this.#out.obs };
  }

  step(actions: Float32Array) {
    const out = this.#out;
    this.env.stepInto(actions, 0, out);
    this.#return += out.reward;
    this.#length++;
    this.#draw(actions);
    this.#rewards[0] = out.reward;
    this.#terminated[0] = out.terminated ? 1 : 0;
    this.#truncated[0] = out.truncated ? 1 : 0;
    const episodes = [];
    if (out.terminated || out.truncated) {
      this.#finalObs.set(out.obs);
      const episode = { frames: this.#frames, return: this.#return, length: this.#length };
      this.episodes.push(episode);
      episodes.push({ env: 0, return: episode.return, length: episode.length });
      this.env.resetInto(out.obs, 0);
      this.#startEpisode();
    }
    return {
      obs: out.obs,
      rewards: this.#rewards,
      terminated: this.#terminated,
      truncated: this.#truncated,
      finalObs: this.#finalObs,
      episodes,
    };
  }

  #startEpisode(): void {
    this.#frames = [];
    this.#return = 0;
    this.#length = 0;
    this.#draw();
  }

  #draw(action?: ArrayLike<number>): void {
    const state = captureState(this.#renderer, this.env);
    const caption = `episode ${this.episodes.length + 1}  step ${this.#length}  return ${
      Math.round(this.#return * 100) / 100
    }`;
    this.#frames.push(
      this.#renderer.frame(state, { caption, ...(action === undefined ? {} : { action }) }),
    );
  }
}
