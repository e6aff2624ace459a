/**
 * Types shared by the renderers: what draws one environment's frame and what a frame may show besides the
 * state.
 *
 * @module
 */
import type { BufferedEnv } from "../envs/buffered_env.ts";

/** What a frame may show besides the physical state. */
export interface FrameOptions {
  /** The action that led to this state (engine flames, torque arrows); absent on a reset frame. */
  readonly action?: ArrayLike<number>;
  /** A line of text in the top-left corner, such as `"step 120  return 120"`. */
  readonly caption?: string;
}

/**
 * Draws one environment's frames: a pure function from what `capture` reads off the environment (by default
 * its physical state, `env.getState().state`, the numbers `reset({ state })` takes) to an SVG document of
 * `width x height` pixels.
 */
export interface Renderer<State = readonly number[]> {
  /** Width of the SVG in pixels. */
  readonly width: number;
  /** Height of the SVG in pixels. */
  readonly height: number;
  /** Frames per second of a video at the environment's own speed (Gymnasium's `render_fps`). */
  readonly fps: number;
  /**
   * Reads what a frame shows off the environment (unwrapped from its `TimeLimit`), for environments whose
   * snapshot is not a drawable state (LunarLander's is a replay record).
   * @default {the physical state, `env.getState().state`}
   */
  capture?(env: BufferedEnv): State;
  /**
   * Draws the state as an SVG document.
   *
   * @param state The physical state, or what `capture` read.
   * @param options The action taken into this state and a caption.
   */
  frame(state: State, options?: FrameOptions): string;
}

/** One played episode: its frames (reset frame, then one per step, the final state included) and outcome. */
export interface FramedEpisode {
  /** SVG documents, one per state. */
  readonly frames: string[];
  /** Undiscounted sum of rewards. */
  readonly return: number;
  /** Number of steps. */
  readonly length: number;
}
