/**
 * The training page's Web Worker: trains with `trainInBrowser`, draws env 0 with the SVG renderers, plays the
 * latest checkpoint greedily and hands checkpoints to the page, so the page's thread only draws.
 *
 * @module
 */
import { EnvMirror } from "../render/_env_mirror.ts";
import { captureState } from "../render/_capture.ts";
import { rendererFor } from "../render/renderer_for.ts";
import { decodeCheckpoint } from "../io/checkpoint_bytes.ts";
import { trainingCheckpoint } from "../train/training_metadata.ts";
import { GreedyPlayer } from "./greedy_player.ts";
import type { PageMessage, WorkerMessage } from "./_messages.ts";
import { type BrowserRun, trainInBrowser } from "./train_in_browser.ts";

/** The worker's global scope, as far as this script uses it (checked without the WebWorker library). */
interface WorkerScope {
  postMessage(message: WorkerMessage, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<PageMessage>) => void) | null;
}

const scope = globalThis as unknown as WorkerScope;
/** Milliseconds between two frames of env 0 during training. */
const FRAME_INTERVAL = 50;

let run: BrowserRun | null = null;
/** Whether `run` is still training (its checkpoint changes), as against finished. */
let training = false;
/** The latest checkpoint: the run's (taken when asked), or a loaded file. */
let latest: { name: string; bytes: Uint8Array } | null = null;
let playing: { player: GreedyPlayer; timer: ReturnType<typeof setInterval> } | null = null;

function post(message: WorkerMessage, transfer: Transferable[] = []): void {
  scope.postMessage(message, transfer);
}

function fail(error: unknown): void {
  post({ type: "error", message: error instanceof Error ? error.message : String(error) });
}

async function train(message: Extract<PageMessage, { type: "train" }>): Promise<void> {
  await stopPlaying();
  if (run !== null) {
    await run.dispose();
    run = null;
  }
  const started = await trainInBrowser({
    envId: message.envId,
    seed: message.seed,
    ...(message.totalTimesteps === undefined ? {} : { totalTimesteps: message.totalTimesteps }),
  }, { engine: message.engine, usePreset: message.usePreset });
  run = started;
  training = true;
  const { config } = started;
  post({
    type: "started",
    envId: config.envId,
    engine: started.engine,
    reason: started.engineReason,
    totalTimesteps: config.totalTimesteps,
    numEnvs: config.numEnvs,
    numSteps: config.numSteps,
  });
  // A copy of env 0 follows it step by step, as the dashboard's does, so a frame never touches the training envs.
  const renderer = rendererFor(config.envId);
  const mirror = new EnvMirror(config.envId, config.clipActions);
  let lastFrame = -Infinity;
  let episodes = 0;
  started.steps$.subscribe((step) => {
    if (mirror.synced) mirror.follow(step);
    const now = performance.now();
    if (now - lastFrame < FRAME_INTERVAL) return;
    if (!mirror.synced) {
      const env0 = started.envStates()?.envs[0];
      if (env0 === undefined) return;
      mirror.sync(env0);
    }
    lastFrame = now;
    post({
      type: "frame",
      svg: renderer.frame(captureState(renderer, mirror.env), { caption: "training: env 0" }),
    });
  });
  started.episodes$.subscribe(() => episodes++);
  started.iterations$.subscribe((metrics) => {
    post({ type: "iteration", metrics, meanReturn100: started.meanReturn100(), episodes });
  });
  const summary = await started.done.finally(() => training = false);
  latest = { name: checkpointName(config.envId), bytes: started.checkpoint() };
  post({
    type: "done",
    stopped: summary.stopped,
    globalStep: summary.globalStep,
    meanReturn100: summary.meanReturn100,
  });
}

function checkpointName(envId: string): string {
  return `ppo-flow-${envId}.safetensors`;
}

async function play(): Promise<void> {
  await stopPlaying();
  if (latest === null) {
    throw new TypeError("Cannot play as there is no checkpoint yet: train or load one first");
  }
  const player = await GreedyPlayer.load(latest.bytes, { source: latest.name });
  const tick = () => {
    try {
      post({ type: "played", ...player.step() });
    } catch (error) {
      void stopPlaying();
      fail(error);
    }
  };
  playing = { player, timer: setInterval(tick, 1000 / player.fps) };
}

async function stopPlaying(): Promise<void> {
  if (playing === null) return;
  clearInterval(playing.timer);
  const { player } = playing;
  playing = null;
  await player.dispose();
}

function load(message: Extract<PageMessage, { type: "load" }>): void {
  const bytes = new Uint8Array(message.bytes);
  // Refused here, with the file's name, rather than when played.
  const { meta } = trainingCheckpoint(
    decodeCheckpoint(bytes, { source: message.name }),
    message.name,
    "load",
  );
  latest = { name: message.name, bytes };
  post({ type: "loaded", name: message.name, envId: meta.envId });
}

function download(): void {
  // While training, the run's checkpoint as it is now; after, the latest one (the run's, or a file loaded since).
  if (run !== null && training) latest = { name: checkpointName(run.config.envId), bytes: run.checkpoint() };
  if (latest === null) {
    throw new TypeError("Cannot download a checkpoint as there is none yet: train or load one first");
  }
  const copy = latest.bytes.slice().buffer;
  post({ type: "checkpoint", name: latest.name, bytes: copy }, [copy]);
}

scope.onmessage = (event) => {
  const message = event.data;
  const handled = message.type === "train"
    ? train(message)
    : message.type === "stop"
    ? run?.stop()
    : message.type === "play"
    ? play()
    : message.type === "stopPlay"
    ? stopPlaying()
    : message.type === "download"
    ? Promise.resolve().then(download)
    : Promise.resolve().then(() => load(message));
  Promise.resolve(handled).catch(fail);
};
