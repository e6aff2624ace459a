/**
 * Pictures of environments: an SVG frame per state for every built-in task and a registry for your own,
 * rasterisation to PNG, GIF and MP4 encoding, and the entry points that play a trained policy's episodes or
 * record a training run's episodes into an animation file.
 *
 * @example One CartPole frame as SVG
 * ```ts
 * import { renderFrame } from "@ppo-flow/ppo-flow/render";
 * import assert from "node:assert/strict";
 *
 * const svg = renderFrame("CartPole-v1", [0, 0, 0.1, 0]);
 * assert.ok(svg.startsWith("<svg"));
 * ```
 *
 * @module
 */
export { acrobotFrame } from "./acrobot_frame.ts";
export { cartPoleFrame } from "./cart_pole_frame.ts";
export { encodeGif, type EncodeGifOptions } from "./encode_gif.ts";
export { encodeMp4, type EncodeMp4Options } from "./encode_mp4.ts";
export { lunarLanderFrame } from "./lunar_lander_frame.ts";
export { lunarLanderRenderer } from "./lunar_lander_renderer.ts";
export { mountainCarFrame, type MountainCarFrameOptions } from "./mountain_car_frame.ts";
export { pendulumFrame } from "./pendulum_frame.ts";
export { type PlayedEpisodes, playEpisodes, type PlayEpisodesOptions } from "./play_episodes.ts";
export { type RasterImage, rasterize, type RasterizeOptions } from "./rasterize.ts";
export {
  type EpisodeRecorder,
  type RecordableRun,
  recordEpisodes,
  type RecordEpisodesOptions,
} from "./record_episodes.ts";
export { registerRenderer } from "./register_renderer.ts";
export { renderFrame } from "./render_frame.ts";
export { rendererFor } from "./renderer_for.ts";
export { svgToPng } from "./svg_to_png.ts";
export type { FramedEpisode, FrameOptions, Renderer } from "./types.ts";
export { writeAnimation, type WriteAnimationOptions } from "./write_animation.ts";
