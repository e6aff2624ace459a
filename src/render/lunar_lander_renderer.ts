import type { BufferedEnv } from "../envs/buffered_env.ts";
import { LunarLander, type LunarLanderScene } from "../envs/lunar_lander.ts";
import { lunarLanderFrame } from "./lunar_lander_frame.ts";
import type { Renderer } from "./types.ts";

/**
 * The renderer of LunarLander-v3 and LunarLanderContinuous-v3: its snapshot is a replay record, so frames are
 * drawn from the environment's `scene()` instead.
 *
 * @example
 * ```ts
 * import { lunarLanderRenderer } from "./lunar_lander_renderer.ts";
 * import { make } from "../envs/make.ts";
 * import assert from "node:assert/strict";
 *
 * const env = make("LunarLander-v3");
 * env.reset({ seed: 2 });
 * const svg = lunarLanderRenderer.frame(lunarLanderRenderer.capture!(env.env));
 * assert.match(svg, /^<svg/);
 * ```
 */
export const lunarLanderRenderer: Renderer<LunarLanderScene> = {
  width: 600,
  height: 400,
  fps: 50,
  capture(env: BufferedEnv): LunarLanderScene {
    if (!(env instanceof LunarLander)) {
      throw new TypeError(
        `Cannot draw LunarLander as the environment is another one: current value is ${env.spec.id}`,
      );
    }
    return env.scene();
  },
  frame: lunarLanderFrame,
};
