import { rasterize } from "./rasterize.ts";

/** Options of {@linkcode encodeMp4}. */
export interface EncodeMp4Options {
  /** Frames per second. @default {30} */
  readonly fps?: number;
  /** Width of the video in pixels (rounded up to even, as H.264 needs). @default {the first frame's SVG width} */
  readonly width?: number;
  /** Font files for captions; see `rasterize`. */
  readonly fonts?: readonly Uint8Array[];
  /** The ffmpeg program. @default {"ffmpeg"} */
  readonly ffmpeg?: string;
}

/**
 * Writes SVG frames to an H.264 MP4 file by piping raw RGBA frames into `ffmpeg` (which must be installed and,
 * under Deno's permissions, allowed with `--allow-run=ffmpeg`).
 *
 * @param frames SVG documents of one size, at least one.
 * @param path The MP4 file to write (replaced if it exists).
 * @param options Frame rate, width and the ffmpeg program.
 * @throws {Error} When ffmpeg is not installed, may not be run, or fails (its last output lines are quoted).
 *
 * @example
 * ```ts ignore
 * import { encodeMp4 } from "./encode_mp4.ts";
 * import { cartPoleFrame } from "./cart_pole_frame.ts";
 *
 * await encodeMp4([cartPoleFrame([0, 0, 0, 0]), cartPoleFrame([0.1, 0, 0.02, 0])], "cartpole.mp4", { fps: 50 });
 * ```
 */
export async function encodeMp4(
  frames: readonly string[],
  path: string,
  options: EncodeMp4Options = {},
): Promise<void> {
  const fps = options.fps ?? 30;
  const program = options.ffmpeg ?? "ffmpeg";
  if (frames.length === 0) {
    throw new RangeError(`Cannot encode ${path} as it needs at least one frame: current value is 0`);
  }
  const raster = {
    ...(options.width === undefined ? {} : { width: options.width }),
    ...(options.fonts === undefined ? {} : { fonts: options.fonts }),
  };
  const first = await rasterize(frames[0]!, raster);
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(program, {
      args: [
        "-y",
        "-loglevel",
        "error",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgba",
        "-s",
        `${first.width}x${first.height}`,
        "-r",
        String(fps),
        "-i",
        "-",
        "-vf",
        "pad=ceil(iw/2)*2:ceil(ih/2)*2",
        "-c:v",
        "libx264",
        "-pix_fmt",
        "yuv420p",
        "-movflags",
        "+faststart",
        path,
      ],
      stdin: "piped",
      stdout: "null",
      stderr: "piped",
    }).spawn();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(
        `Cannot write ${path} as ffmpeg is not installed (install it, e.g. apt-get install ffmpeg, or write a .gif): current value is ${program}`,
      );
    }
    if (error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied) {
      throw new Error(
        `Cannot write ${path} as running ffmpeg is not allowed (grant --allow-run=ffmpeg): current value is ${program}`,
      );
    }
    throw error;
  }
  const stderr = new Response(child.stderr).text();
  const writer = child.stdin.getWriter();
  try {
    await writer.write(first.pixels);
    for (let i = 1; i < frames.length; i++) await writer.write((await rasterize(frames[i]!, raster)).pixels);
    await writer.close();
  } catch {
    // ffmpeg quit early; its status and message below say why.
    await writer.abort().catch(() => {});
  }
  const [status, message] = await Promise.all([child.status, stderr]);
  if (!status.success) {
    const tail = message.trim().split("\n").slice(-3).join(" | ");
    throw new Error(
      `Cannot write ${path} as ffmpeg failed (exit code ${status.code}): current value is ${tail}`,
    );
  }
}
