/// <reference lib="deno.worker" />
// Encodes recorded episodes off the training thread: rasterising and quantising hundreds of frames would
// otherwise pause training for seconds.
import { writeAnimation } from "./write_animation.ts";

/** A job for this worker. */
export interface AnimationJob {
  readonly id: number;
  readonly path: string;
  readonly frames: readonly string[];
  readonly fps: number;
  readonly width?: number;
}

/** The worker's answer to an {@linkcode AnimationJob}. */
export interface AnimationDone {
  readonly id: number;
  readonly error: string | null;
}

self.onmessage = async (event: MessageEvent<AnimationJob>) => {
  const job = event.data;
  try {
    await writeAnimation(job.path, job.frames, {
      fps: job.fps,
      ...(job.width === undefined ? {} : { width: job.width }),
    });
    self.postMessage({ id: job.id, error: null } satisfies AnimationDone);
  } catch (error) {
    self.postMessage(
      { id: job.id, error: error instanceof Error ? error.message : String(error) } satisfies AnimationDone,
    );
  }
};
