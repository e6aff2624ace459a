/**
 * `train()`: the default PPO composition plus its run files (config, metrics, TensorBoard events, checkpoints).
 *
 * @module
 */
import type { Observable, OperatorFunction } from "../_rxjs.ts";
import { type PpoConfig, resolveConfig } from "../config/ppo_config.ts";
import { presetFor } from "../config/presets.ts";
import type { EnvDefinition } from "../envs/define_env.ts";
import type { VecEnvState } from "../envs/vec_env.ts";
import type { EpisodeResult, IterationMetrics, StepBatch, UpdateResult } from "../operators/types.ts";
import type { IterationContext, PpoStages } from "./ppo_iteration.ts";
import type { MetricSink } from "../logging/metric_sink.ts";
import type { EngineName } from "../model/engines.ts";
import { type Agent, createAgent } from "./create_agent.ts";
import { RunFiles } from "./run_files.ts";
import { RunLock } from "./run_lock.ts";
import { type LoopSummary, type RunLoop, runLoop } from "./run_loop.ts";
import { type LoadedTrainingState, loadTrainingState } from "./training_state.ts";

/** Options of {@linkcode train} that are not hyperparameters. */
export interface TrainOptions {
  /** Name of the run directory under `runsDir`. @default {"<envId>__ppo__<seed>__<unix seconds>"} */
  readonly runName?: string;
  /** Directory that holds the run directories. @default {"runs"} */
  readonly runsDir?: string;
  /** Write config, metrics, TensorBoard events and checkpoints. @default {true} */
  readonly writeFiles?: boolean;
  /**
   * Continue the run saved in this run directory. Its saved config is kept: `config` may only change
   * `totalTimesteps`, `engine` and `backend` (a checkpoint resumes on any engine; giving either of the two
   * replaces both, the other as `"auto"`), and `runName`/`runsDir` must not be given.
   */
  readonly resume?: string;
  /** Save the latest checkpoint every this many iterations (and at the end or on stop). @default {10} */
  readonly checkpointEvery?: number;
  /** A user operator on the stream of vector steps (reward shaping, filtering...). */
  readonly transform?: OperatorFunction<StepBatch, StepBatch>;
  /** A user-defined environment, used instead of `config.envId`. */
  readonly env?: EnvDefinition;
  /** Apply the environment's preset under `config`. @default {true} */
  readonly usePreset?: boolean;
  /** Milliseconds clock for SPS. @default {performance.now} */
  readonly clock?: () => number;
  /**
   * Stages to use instead of CleanRL's (collection, advantage, minibatches, update); everything else a run does
   * (files, checkpoints, resume, metrics streams, dashboard, video) stays. State a stage keeps across
   * iterations goes in its context's `state`, which checkpoints save and resume restores.
   */
  readonly stages?: PpoStages;
  /**
   * One whole iteration instead of the stages: an observable of the iteration's updates that completes after
   * the last one (the next iteration starts only then).
   */
  readonly iteration?: (context: IterationContext) => Observable<UpdateResult>;
  /** Where each iteration's metrics go besides the run files (awaited in order, closed at the end). */
  readonly sinks?: readonly MetricSink[];
  /** Told about recoverable problems (a stale run lock taken over, a torn metrics line dropped). @default {console.warn} */
  readonly onWarning?: (message: string) => void;
}

/** How a run ended. */
export interface RunSummary extends LoopSummary {
  /** The latest checkpoint written, if any. */
  readonly checkpoint: string | null;
}

/** A training run in progress: hot metric streams, a completion promise and a clean stop. */
export interface Run {
  /** The resolved config the run trains with (preset and overrides applied). */
  readonly config: PpoConfig;
  /** The run directory, or null when files are off. */
  readonly runDir: string | null;
  /** The engine that runs the networks (a name of the table `ENGINES`). */
  readonly engine: EngineName;
  /** The gpu.js backend the `gpujs` engine runs on; absent on the other engines. */
  readonly backend?: string;
  /** One record per iteration (CleanRL's keys). Hot: subscribe right after `train()` resolves. */
  readonly iterations$: Observable<IterationMetrics>;
  /** Every finished episode. */
  readonly episodes$: Observable<EpisodeResult>;
  /** Every minibatch update's losses. */
  readonly updates$: Observable<UpdateResult>;
  /**
   * Every vector step, emitted synchronously right after the envs stepped (renderers, recorders). The batch's
   * buffers are overwritten by the next step: copy what you keep. Costs nothing while nobody subscribes.
   */
  readonly steps$: Observable<StepBatch>;
  /** A snapshot of the training envs (`VecEnv.getState`) as they are now, or null if they cannot save it. */
  envStates(): VecEnvState | null;
  /** Resolves when training ends (rejects on an error, after files are closed). */
  readonly done: Promise<RunSummary>;
  /** Finishes the current iteration, writes the latest checkpoint and ends the run. */
  stop(): Promise<RunSummary>;
}

/**
 * Trains a PPO agent. Training starts on the next turn of the event loop, so streams subscribed right after
 * `await train(...)` see every event.
 *
 * @param config Hyperparameters to override (CleanRL names); the environment's preset fills the rest.
 * @param options Run files, resume, a user operator and a custom environment.
 * @returns The running {@linkcode Run}.
 *
 * @example
 * ```ts ignore
 * const run = await train({ envId: "CartPole-v1", totalTimesteps: 50_000 });
 * run.iterations$.subscribe((m) => console.log(m.global_step, m["charts/episodic_return"]));
 * await run.done;
 * ```
 */
export async function train(config: Partial<PpoConfig> = {}, options: TrainOptions = {}): Promise<Run> {
  const clock = options.clock ?? (() => performance.now());
  const warn = options.onWarning ?? ((message: string) => console.warn(message));
  const checkpointEvery = options.checkpointEvery ?? 10;
  if (!Number.isInteger(checkpointEvery) || checkpointEvery < 1) {
    throw new RangeError(
      `Cannot train as checkpointEvery must be a positive integer: current value is ${checkpointEvery}`,
    );
  }
  if (options.runName !== undefined) checkRunName(options.runName);
  if (options.resume !== undefined) checkResumeOptions(options.resume, config, options);
  const writeFiles = options.writeFiles ?? true;

  // Everything that can refuse the run happens before the run directory is created; once it is claimed, a
  // failure removes a directory this call created and releases the claim.
  let lock: RunLock | null = null;
  let agent: Agent | null = null;
  let createdDir: string | null = null;
  let resolved: PpoConfig;
  let resumed: LoadedTrainingState | null = null;
  let runDir: string | null;
  let files: RunFiles | null = null;
  try {
    if (options.resume !== undefined) {
      // Claimed before reading: a run still training elsewhere is refused, not read mid-write.
      if (writeFiles) lock = await RunLock.claim(options.resume, { onWarning: warn });
      resumed = await loadTrainingState(options.resume);
    }
    resolved = resumed
      ? resolveConfig({
        ...resumed.config,
        ...(config.totalTimesteps === undefined ? {} : { totalTimesteps: config.totalTimesteps }),
        // The backend belongs to the engine: a resume that names either chooses both.
        ...(config.engine === undefined && config.backend === undefined
          ? {}
          : { engine: config.engine ?? "auto", backend: config.backend ?? "auto" }),
      })
      : resolveConfig(
        options.usePreset === false
          ? config
          : presetFor(options.env?.spec.id ?? config.envId ?? "CartPole-v1", config),
      );
    agent = await createAgent(resolved, options.env);
    if (resumed) resumed.restore(agent);
    runDir = resumed
      ? resumed.runDir
      : writeFiles
      ? `${options.runsDir ?? "runs"}/${options.runName ?? defaultRunName(resolved)}`
      : null;
    if (runDir !== null && writeFiles) {
      if (!resumed) {
        if (await makeDirectory(runDir, options.runsDir ?? "runs")) createdDir = runDir;
        lock = await RunLock.claim(runDir, { onWarning: warn });
      }
      files = await RunFiles.open(runDir, resolved, agent, { resume: resumed, onWarning: warn });
    }
  } catch (error) {
    await agent?.dispose().catch(() => {});
    // Only a directory this call created and still holds is removed: nobody else can have written into it.
    if (createdDir !== null && lock !== null) {
      await Deno.remove(createdDir, { recursive: true }).catch(() => {});
    }
    await lock?.release().catch(() => {});
    throw error;
  }
  const heldLock = lock;
  const sinks = options.sinks ?? [];
  let checkpoint: string | null = null;
  const loop: RunLoop = runLoop(agent, {
    clock,
    ...(resumed ? { recentReturns: resumed.recentReturns, stageState: resumed.stageState } : {}),
    ...(options.transform === undefined ? {} : { transform: options.transform }),
    ...(options.stages === undefined ? {} : { stages: options.stages }),
    ...(options.iteration === undefined ? {} : { iteration: options.iteration }),
    // Files and checkpoints are part of the iteration: the next one starts only after they are written.
    beforeEmit: async (metrics) => {
      await files?.writeMetrics(metrics);
      for (const sink of sinks) await sink.write(metrics);
    },
    afterEmit: async (metrics, last) => {
      if (files && (last || metrics.iteration % checkpointEvery === 0)) {
        checkpoint = await files.saveCheckpoint(
          agent,
          loop.recentReturns,
          loop.meanReturn100(),
          loop.stageState,
        );
      }
    },
    finish: async () => {
      let error: unknown;
      try {
        try {
          await files?.close();
          for (const sink of sinks) await sink.close?.();
        } finally {
          await agent.dispose();
        }
      } catch (closeError) {
        error = closeError;
      }
      // The run directory stays claimed until its files are closed.
      await heldLock?.release().catch((releaseError) => {
        error ??= releaseError;
      });
      if (error !== undefined) throw error;
    },
  });
  const done = loop.done.then((summary): RunSummary => ({ ...summary, checkpoint }));
  // The caller may never await `done`; a failed run must still not become an unhandled rejection.
  done.catch(() => {});

  return {
    config: resolved,
    runDir,
    engine: agent.engine.engine,
    ...(agent.engine.backend === undefined ? {} : { backend: agent.engine.backend }),
    iterations$: loop.iterations$,
    episodes$: loop.episodes$,
    updates$: loop.updates$,
    steps$: loop.steps$,
    envStates: () => agent.vecEnv.getState(),
    done,
    stop() {
      return loop.stop().then(() => done);
    },
  };
}

function defaultRunName(config: PpoConfig): string {
  return `${config.envId}__ppo__${config.seed}__${Math.floor(Date.now() / 1000)}`;
}

function checkRunName(runName: string): void {
  if (runName === "" || runName === "." || runName === ".." || /[\\/\0]/.test(runName)) {
    throw new RangeError(
      `Cannot train as runName must be a directory name (not empty, "." or "..", without / or \\): current value is ${
        JSON.stringify(runName)
      }`,
    );
  }
}

/** What a resumed run may change: its length, and the engine (checkpoints do not depend on it). */
const RESUMABLE_CHANGES = new Set(["totalTimesteps", "engine", "backend"]);

/** A resumed run keeps its saved config: anything else the caller asks for is refused, not silently dropped. */
function checkResumeOptions(resume: string, config: Partial<PpoConfig>, options: TrainOptions): void {
  const ignored = [
    ...Object.entries(config)
      .filter(([key, value]) => !RESUMABLE_CHANGES.has(key) && value !== undefined)
      .map(([key]) => key),
    ...(["runName", "runsDir"] as const).filter((key) => options[key] !== undefined),
  ];
  if (ignored.length > 0) {
    throw new TypeError(
      `Cannot resume ${resume} with ${
        ignored.join(", ")
      } as a resumed run keeps the config it was started with (only totalTimesteps, engine and backend may change): current value is ${
        ignored.join(", ")
      }`,
    );
  }
}

/** Creates `dir` (and `parent`); returns false when it already existed. */
async function makeDirectory(dir: string, parent: string): Promise<boolean> {
  await Deno.mkdir(parent, { recursive: true });
  try {
    await Deno.mkdir(dir);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.AlreadyExists) return false;
    throw error;
  }
}
