import { rendererFor } from "./renderer_for.ts";
import type { FrameOptions } from "./types.ts";

/**
 * Draws one frame of an environment as SVG, from its physical state (`env.getState().state`).
 *
 * It's like Gymnasium's `env.render()` with `render_mode="rgb_array"`, but a pure function of the state that
 * returns vector graphics: rasterise it with `rasterize` when pixels are needed.
 *
 * @param envId A registered environment id.
 * @param state The physical state, as `reset({ state })` takes it (or, for an environment whose renderer
 *   has `capture`, what it captures, such as LunarLander's `scene()`).
 * @param options The action that led to this state, and a caption.
 * @returns An SVG document.
 * @throws {RangeError} When no renderer is registered for `envId` or the state does not fit it.
 *
 * @example
 * ```ts
 * import { renderFrame } from "./render_frame.ts";
 * import { make } from "../envs/make.ts";
 * import assert from "node:assert/strict";
 *
 * const env = make("CartPole-v1");
 * env.reset({ seed: 1 });
 * const before = renderFrame("CartPole-v1", env.getState()!.state);
 * env.step(1);
 * const after = renderFrame("CartPole-v1", env.getState()!.state, { caption: "step 1" });
 * assert.notEqual(after, before);
 * ```
 */
export function renderFrame(envId: string, state: unknown, options: FrameOptions = {}): string {
  return rendererFor(envId).frame(state, options);
}
