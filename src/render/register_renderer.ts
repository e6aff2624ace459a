import { renderers } from "./_registry.ts";
import type { Renderer } from "./types.ts";

/**
 * Adds (or replaces) the renderer of an environment id, for environments added with `register` or for
 * drawing a built-in one differently. `renderFrame`, `deno task render`, `--record-every` and the dashboard
 * then draw it.
 *
 * @param envId The environment id.
 * @param renderer Size, frame rate and the SVG-drawing function of the physical state.
 * @throws {RangeError} When the size or frame rate is not a positive number.
 *
 * @example
 * ```ts
 * import { registerRenderer } from "./register_renderer.ts";
 * import { renderFrame } from "./render_frame.ts";
 * import assert from "node:assert/strict";
 *
 * registerRenderer("Dot-v0", {
 *   width: 100,
 *   height: 100,
 *   fps: 30,
 *   frame: ([x = 0]) =>
 *     `<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><circle cx="${50 + x}" cy="50" r="5"/></svg>`,
 * });
 * assert.match(renderFrame("Dot-v0", [10]), /cx="60"/);
 * ```
 */
export function registerRenderer<State>(envId: string, renderer: Renderer<State>): void {
  for (const key of ["width", "height", "fps"] as const) {
    const value = renderer[key];
    if (typeof value !== "number" || !(value > 0) || !Number.isFinite(value)) {
      throw new RangeError(
        `Cannot register a renderer for ${envId} as ${key} must be a positive number: current value is ${value}`,
      );
    }
  }
  if (typeof renderer.frame !== "function") {
    throw new TypeError(
      `Cannot register a renderer for ${envId} as frame must be a function: current value is ${typeof renderer
        .frame}`,
    );
  }
  renderers.set(envId, renderer as Renderer<unknown>);
}
