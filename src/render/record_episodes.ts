import type { Subscription } from "rxjs";
import type { Observable } from "../_rxjs.ts";
import type { StepBatch } from "../operators/types.ts";
import type { VecEnvState } from "../envs/vec_env.ts";
import { rendererFor } from "./renderer_for.ts";
import type { AnimationDone, AnimationJob } from "./_animation_worker.ts";
import { captureState } from "./_capture.ts";
import { EnvMirror } from "./_env_mirror.ts";

/** What {@linkcode recordEpisodes} needs of a training run (`train()`'s `Run` fits). */
export interface RecordableRun {
  /** Whether the collector clips continuous actions, which the copy of env 0 must repeat. */
  readonly config: { readonly clipActions: boolean };
  /** Every vector step, synchronously after the envs stepped. */
  readonly steps$: Observable<StepBatch>;
  /** The envs' snapshot, to start a recorded episode's copy of env 0 from. */
  envStates(): VecEnvState | null;
}

/** Options of {@linkcode recordEpisodes}. */
export interface RecordEpisodesOptions {
  /** Record env 0's episodes 0, K, 2K, ... (counted from when recording starts). */
  readonly every: number;
  /** Folder of the videos, created if missing (`runs/<name>/videos`). */
  readonly dir: string;
  /** `"gif"` or `"mp4"` (needs ffmpeg). @default {"gif"} */
  readonly format?: "gif" | "mp4";
  /** Width of the videos in pixels. @default {the renderer's width} */
  readonly width?: number;
  /** Longest video, in frames; a longer episode is cut there. @default {1000} */
  readonly maxFrames?: number;
  /** Called with each video written, or with the error that stopped one. */
  readonly onVideo?: (result: { path: string; error: string | null }) => void;
}

/** A running recorder: the videos written so far and a way to finish. */
export interface EpisodeRecorder {
  /** Paths of the videos written so far. */
  readonly videos: readonly string[];
  /** Stops recording, writes an episode in progress (as Gymnasium's RecordVideo does on close) and waits for every video. */
  close(): Promise<readonly string[]>;
}

/**
 * Records env 0 of a training run every `every`-th episode into `dir`, like Gymnasium's `RecordVideo` wrapper
 * with an episode trigger.
 *
 * Costs nothing between recorded episodes but a counter. While one is recorded, a copy of env 0, restored
 * from its snapshot when the episode starts, replays env 0's actions (the envs are deterministic given their
 * state), so the final state is drawn before the autoreset and no other env is touched. Frames are SVG
 * strings; a worker rasterises and encodes them, so training does not wait for the encoder.
 *
 * @param run The run (`train()`'s result), subscribed to right after `train()` resolves.
 * @param options How often, where, format and size.
 * @returns The recorder; `close()` it after the run ends.
 * @throws {RangeError} When `every` is not a positive integer or the env has no renderer.
 * @throws {TypeError} When the run's envs cannot save their state (some user-defined environments).
 *
 * @example
 * ```ts ignore
 * const run = await train({ envId: "CartPole-v1", totalTimesteps: 20_000 });
 * const recorder = recordEpisodes(run, { every: 50, dir: `${run.runDir}/videos` });
 * await run.done;
 * console.log(await recorder.close()); // ["runs/.../videos/episode-0-step-0.gif", ...]
 * ```
 */
export function recordEpisodes(run: RecordableRun, options: RecordEpisodesOptions): EpisodeRecorder {
  const every = options.every;
  if (!Number.isInteger(every) || every < 1) {
    throw new RangeError(
      `Cannot record episodes as every must be a positive integer: current value is ${every}`,
    );
  }
  const maxFrames = options.maxFrames ?? 1000;
  const format = options.format ?? "gif";
  const initial = run.envStates();
  if (initial === null) {
    throw new TypeError(
      `Cannot record episodes as the environments cannot save their state: current value is null`,
    );
  }
  const renderer = rendererFor(initial.id);
  const mirror = new EnvMirror(initial.id, run.config.clipActions);
  const videos: string[] = [];
  const pending = new Map<number, { path: string; resolve: () => void }>();
  const encodings: Promise<void>[] = [];
  let worker: Worker | null = null;
  let nextJob = 0;
  let dirReady: Promise<void> | null = null;

  let episode = 0;
  let recording: { frames: string[]; episode: number; globalStep: number; return: number } | null = null;

  const draw = (stepAction?: Float32Array) => {
    const r = recording!;
    const caption = `episode ${r.episode}  step ${r.frames.length}  return ${
      Math.round(r.return * 100) / 100
    }`;
    const state = captureState(renderer, mirror.env);
    r.frames.push(
      renderer.frame(state, { caption, ...(stepAction === undefined ? {} : { action: stepAction }) }),
    );
  };
  const start = (snapshot: VecEnvState, globalStep: number) => {
    mirror.sync(snapshot.envs[0]!);
    recording = { frames: [], episode, globalStep, return: 0 };
    draw();
  };
  const finish = () => {
    const r = recording;
    recording = null;
    if (r === null || r.frames.length < 2) return;
    const path = `${options.dir}/episode-${r.episode}-step-${r.globalStep}.${format}`;
    const id = nextJob++;
    const job: AnimationJob = {
      id,
      path,
      frames: r.frames,
      fps: renderer.fps,
      ...(options.width === undefined ? {} : { width: options.width }),
    };
    encodings.push(new Promise<void>((resolve) => pending.set(id, { path, resolve })));
    dirReady ??= Deno.mkdir(options.dir, { recursive: true });
    void dirReady.then(() => encoder().postMessage(job), (error) => settle({ id, error: String(error) }));
  };
  const settle = (result: AnimationDone) => {
    const job = pending.get(result.id);
    if (job === undefined) return;
    pending.delete(result.id);
    if (result.error === null) videos.push(job.path);
    options.onVideo?.({ path: job.path, error: result.error });
    job.resolve();
  };
  const encoder = () => {
    if (worker === null) {
      worker = new Worker(new URL("./_animation_worker.ts", import.meta.url).href, { type: "module" });
      worker.onmessage = (event: MessageEvent<AnimationDone>) => settle(event.data);
    }
    return worker;
  };

  if (initial.lengths[0] === 0) start(initial, 0);
  const subscription: Subscription = run.steps$.subscribe((step) => {
    if (recording !== null && mirror.synced) {
      const { action, reward, ended } = mirror.follow(step);
      recording.return += reward;
      draw(action);
      // The copy ends with env 0; should they ever disagree, the video still shows a true trajectory.
      if (ended || recording.frames.length >= maxFrames) finish();
    }
    if (step.terminated[0] === 1 || step.truncated[0] === 1) {
      if (recording !== null) finish();
      episode++;
      if (episode % every === 0) {
        const snapshot = run.envStates();
        if (snapshot !== null) start(snapshot, step.globalStep + step.numEnvs);
      }
    }
  });

  return {
    videos,
    async close() {
      subscription.unsubscribe();
      finish();
      await Promise.all(encodings);
      (worker as Worker | null)?.terminate();
      worker = null;
      return videos;
    },
  };
}
