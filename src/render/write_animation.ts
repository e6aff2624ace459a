import { encodeGif } from "./encode_gif.ts";
import { encodeMp4 } from "./encode_mp4.ts";

/** Options of {@linkcode writeAnimation}. */
export interface WriteAnimationOptions {
  /** Frames per second. @default {30} */
  readonly fps?: number;
  /** Width in pixels. @default {the SVG width} */
  readonly width?: number;
  /** Font files for captions; see `rasterize`. */
  readonly fonts?: readonly Uint8Array[];
}

/**
 * Writes SVG frames as an animation, chosen by the file's extension: `.gif` (gifenc) or `.mp4` (ffmpeg).
 * A GIF is written to a temporary name first and renamed, so a reader never sees half of one.
 *
 * @param path The file to write, ending in `.gif` or `.mp4`.
 * @param frames SVG documents of one size.
 * @param options Frame rate, width and fonts.
 * @throws {RangeError} When the extension is neither `.gif` nor `.mp4`.
 *
 * @example
 * ```ts ignore
 * import { writeAnimation } from "./write_animation.ts";
 * import { cartPoleFrame } from "./cart_pole_frame.ts";
 *
 * await writeAnimation("pole.gif", [0, 0.05, 0.1].map((theta) => cartPoleFrame([0, 0, theta, 0])), { fps: 50 });
 * ```
 */
export async function writeAnimation(
  path: string,
  frames: readonly string[],
  options: WriteAnimationOptions = {},
): Promise<void> {
  const extension = path.slice(path.lastIndexOf(".")).toLowerCase();
  if (extension !== ".gif" && extension !== ".mp4") {
    throw new RangeError(
      `Cannot write an animation as the file must end in .gif or .mp4: current value is ${path}`,
    );
  }
  if (extension === ".mp4") {
    // ffmpeg writes the file itself, and leaves none behind when it fails.
    await encodeMp4(frames, path, options);
    return;
  }
  const temp = `${path}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  try {
    await Deno.writeFile(temp, await encodeGif(frames, options));
    await Deno.rename(temp, path);
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    throw error;
  }
}
