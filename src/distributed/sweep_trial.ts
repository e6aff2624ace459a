/**
 * Sweep trials: one config and seed trained end to end by a worker, its metrics streamed back, its checkpoint
 * kept in the Object Store so that a trial whose worker died resumes there on another worker.
 *
 * @module
 */
import type { JsMsg } from "@nats-io/jetstream";
import { configFromJson } from "../config/config_from_json.ts";
import type { PpoConfig } from "../config/ppo_config.ts";
import type { IterationMetrics } from "../operators/types.ts";
import { train } from "../train/train.ts";
import type { JetStreamResources } from "./_jetstream.ts";

/** One trial of a sweep. */
export interface SweepTrial {
  /** Marks the message as a trial. */
  readonly kind: "ppo-flow/trial";
  /** The sweep's id (a subject token). */
  readonly sweep: string;
  /** Index of the trial in the sweep. */
  readonly index: number;
  /** A readable name: its config's overrides and seed. */
  readonly name: string;
  /** The hyperparameters (the env's preset fills the rest). */
  readonly config: Partial<PpoConfig>;
  /** Iterations between checkpoints (each one is uploaded). */
  readonly checkpointEvery: number;
}

/** What a worker streams back about a trial. */
export type TrialEvent =
  | { readonly kind: "metrics"; readonly index: number; readonly metrics: IterationMetrics }
  | {
    readonly kind: "done";
    readonly index: number;
    readonly globalStep: number;
    readonly meanReturn100: number | null;
    readonly resumedFrom: number;
  }
  | { readonly kind: "failed"; readonly index: number; readonly error: string };

/** The subject of a sweep's trials. */
export function trialSubject(sweep: string): string {
  return `ppoflow.trial.${sweep}`;
}

/** The subject of a sweep's trial events. */
export function trialEventSubject(sweep: string): string {
  return `ppoflow.trialevent.${sweep}`;
}

/**
 * Parses and checks a trial message.
 *
 * @throws {TypeError} When it is not a well-formed trial (its config is checked by `configFromJson`).
 */
export function parseTrial(bytes: Uint8Array): SweepTrial {
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (error) {
    throw new TypeError(`Cannot accept trial as it is not JSON: current value is ${String(error)}`);
  }
  if (typeof value !== "object" || value === null || value.kind !== "ppo-flow/trial") {
    throw new TypeError(
      `Cannot accept trial as it is not a ppo-flow trial: current value is ${String(value)}`,
    );
  }
  if (typeof value.sweep !== "string" || !/^[A-Za-z0-9_-]{1,64}$/.test(value.sweep)) {
    throw new TypeError(
      `Cannot accept trial as sweep must be an id: current value is ${String(value.sweep)}`,
    );
  }
  if (!Number.isSafeInteger(value.index) || (value.index as number) < 0) {
    throw new TypeError(
      `Cannot accept trial as index must be an integer: current value is ${String(value.index)}`,
    );
  }
  if (!Number.isSafeInteger(value.checkpointEvery) || (value.checkpointEvery as number) < 1) {
    throw new TypeError(
      `Cannot accept trial as checkpointEvery must be a positive integer: current value is ${
        String(value.checkpointEvery)
      }`,
    );
  }
  return {
    kind: "ppo-flow/trial",
    sweep: value.sweep,
    index: value.index as number,
    name: String(value.name).slice(0, 200),
    config: configFromJson(value.config),
    checkpointEvery: value.checkpointEvery as number,
  };
}

/** The files a resumed trial needs, as stored in the Object Store. */
const RUN_FILES = ["config.json", "metrics.jsonl", "checkpoints/latest.safetensors"] as const;

/**
 * Trains a trial end to end in `runsDir`, streaming its metrics and uploading each checkpoint; a trial that
 * has a checkpoint in the Object Store (its previous worker died) resumes from it.
 *
 * @param resources The connection's JetStream resources.
 * @param trial The trial.
 * @param msg Its message: heartbeats keep it from being redelivered while it trains.
 * @param options `runsDir`: where the trial's run directory goes; `signal`: stops the trial after its current
 *   iteration, with its checkpoint uploaded for the worker that gets it next.
 * @returns The iteration it resumed from (0 for a fresh start), and whether `signal` interrupted it.
 */
export async function runTrial(
  resources: JetStreamResources,
  trial: SweepTrial,
  msg: JsMsg,
  options: { readonly runsDir: string; readonly signal?: AbortSignal },
): Promise<{ resumedFrom: number; interrupted: boolean }> {
  const { runsDir, signal } = options;
  const key = `trial.${trial.sweep}.${trial.index}`;
  const runName = `${trial.sweep}-${trial.index}-${Deno.pid}-${Date.now()}`;
  const runDir = `${runsDir}/${runName}`;
  const stored = await downloadRun(resources, key, runDir);
  const events = trialEventSubject(trial.sweep);
  const publish = (event: TrialEvent) =>
    resources.js.publish(events, new TextEncoder().encode(JSON.stringify(event)));
  const run = stored
    ? await train({}, { resume: runDir, checkpointEvery: trial.checkpointEvery })
    : await train(trial.config, { runsDir, runName, checkpointEvery: trial.checkpointEvery });
  // Subscribed before anything is awaited: the run starts on the next macrotask. Its first iteration after a
  // resume tells where the checkpoint was.
  let resumedFrom = 0;
  let first = true;
  const onAbort = () => void run.stop();
  signal?.addEventListener("abort", onAbort);
  let chain = Promise.resolve();
  run.iterations$.subscribe({
    next: (metrics) => {
      if (first && stored) resumedFrom = metrics.iteration - 1;
      first = false;
      msg.working();
      // The checkpoint of the previous multiple of checkpointEvery is on disk once the next iteration ends.
      const upload = metrics.iteration > 1 && (metrics.iteration - 1) % trial.checkpointEvery === 0;
      chain = chain.then(async () => {
        await publish({ kind: "metrics", index: trial.index, metrics });
        if (upload) await uploadRun(resources, key, runDir);
      });
    },
    error: () => {},
  });
  try {
    const summary = await run.done;
    await chain;
    if (summary.stopped) {
      await uploadRun(resources, key, runDir);
      return { resumedFrom, interrupted: true };
    }
    await publish({
      kind: "done",
      index: trial.index,
      globalStep: summary.globalStep,
      meanReturn100: summary.meanReturn100,
      resumedFrom,
    });
  } catch (error) {
    await chain.catch(() => {});
    await publish({
      kind: "failed",
      index: trial.index,
      error: error instanceof Error ? error.message : String(error),
    });
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
  return { resumedFrom, interrupted: false };
}

async function uploadRun(resources: JetStreamResources, key: string, runDir: string): Promise<void> {
  for (const file of RUN_FILES) {
    const bytes = await Deno.readFile(`${runDir}/${file}`);
    await resources.putObject(`${key}/${file}`, bytes);
  }
}

/** Downloads a trial's stored run files into `runDir`; false when it has none (a fresh trial). */
async function downloadRun(resources: JetStreamResources, key: string, runDir: string): Promise<boolean> {
  const files = await Promise.all(RUN_FILES.map((file) => resources.getObject(`${key}/${file}`)));
  if (files.some((bytes) => bytes === null)) return false;
  await Deno.mkdir(`${runDir}/checkpoints`, { recursive: true });
  for (const [i, file] of RUN_FILES.entries()) await Deno.writeFile(`${runDir}/${file}`, files[i]!);
  return true;
}
