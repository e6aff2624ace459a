// @ts-types="./_gifenc.d.ts"
import gifenc from "gifenc";
import { rasterize } from "./rasterize.ts";

/** Options of {@linkcode encodeGif}. */
export interface EncodeGifOptions {
  /** Frames per second (GIF delays are whole hundredths of a second, so 50 is the fastest exact rate). @default {30} */
  readonly fps?: number;
  /** Width of the animation in pixels. @default {the first frame's SVG width} */
  readonly width?: number;
  /** Font files for captions; see `rasterize`. */
  readonly fonts?: readonly Uint8Array[];
}

/** How many frames, evenly spaced, choose the shared palette. */
const PALETTE_SAMPLES = 6;

/**
 * Encodes SVG frames as a looping GIF: resvg rasterises each frame and gifenc writes it with one palette,
 * quantised from a few frames spread over the animation, so colours do not flicker from frame to frame.
 *
 * @param frames SVG documents of one size, at least one.
 * @param options Frame rate and width.
 * @returns The GIF file's bytes.
 * @throws {RangeError} When there are no frames or the frame rate is not positive.
 *
 * @example
 * ```ts
 * import { encodeGif } from "./encode_gif.ts";
 * import { cartPoleFrame } from "./cart_pole_frame.ts";
 * import assert from "node:assert/strict";
 *
 * const gif = await encodeGif([cartPoleFrame([0, 0, 0, 0]), cartPoleFrame([0.5, 0, 0.1, 0])], { width: 120 });
 * assert.equal(new TextDecoder().decode(gif.subarray(0, 6)), "GIF89a");
 * ```
 */
export async function encodeGif(
  frames: readonly string[],
  options: EncodeGifOptions = {},
): Promise<Uint8Array> {
  const fps = options.fps ?? 30;
  if (frames.length === 0) {
    throw new RangeError(`Cannot encode a GIF as it needs at least one frame: current value is 0`);
  }
  if (!(fps > 0) || !Number.isFinite(fps)) {
    throw new RangeError(`Cannot encode a GIF as fps must be a positive number: current value is ${fps}`);
  }
  const raster = {
    ...(options.width === undefined ? {} : { width: options.width }),
    ...(options.fonts === undefined ? {} : { fonts: options.fonts }),
  };
  const samples = Math.min(PALETTE_SAMPLES, frames.length);
  const sampled: Uint8Array[] = [];
  for (let i = 0; i < samples; i++) {
    const index = Math.round(i * (frames.length - 1) / Math.max(samples - 1, 1));
    sampled.push((await rasterize(frames[index]!, raster)).pixels);
  }
  const all = new Uint8Array(sampled.reduce((n, s) => n + s.length, 0));
  sampled.reduce((offset, s) => (all.set(s, offset), offset + s.length), 0);
  const palette = gifenc.quantize(all, 256, { format: "rgb444" });
  const encoder = gifenc.GIFEncoder();
  const delay = 1000 / fps;
  for (const frame of frames) {
    const image = await rasterize(frame, raster);
    const index = gifenc.applyPalette(image.pixels, palette, "rgb444");
    encoder.writeFrame(index, image.width, image.height, { palette, delay });
  }
  encoder.finish();
  return encoder.bytes();
}
