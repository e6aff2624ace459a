/**
 * `train()`: the default PPO composition plus its run files (config, metrics, TensorBoard events, checkpoints).
 *
 * @module
 */
import { concatMap, from, pipe, repeat, Subject, takeWhile, tap, timer } from "rxjs";
import type { Observable, OperatorFunction } from "../_rxjs.ts";
import { derivedSizes, type PpoConfig, resolveConfig } from "../config/ppo_config.ts";
import { presetFor } from "../config/presets.ts";
import type { EnvDefinition } from "../envs/define_env.ts";
import type { VecEnvState } from "../envs/vec_env.ts";
import { iterationMetrics } from "../operators/iteration_metrics.ts";
import type { EpisodeResult, IterationMetrics, StepBatch, UpdateResult } from "../operators/types.ts";
import { type IterationContext, iterationContext, ppoIteration, type PpoStages } from "./ppo_iteration.ts";
import type { MetricSink } from "../logging/metric_sink.ts";
import type { EngineName } from "../model/engines.ts";
import type { JsonValue } from "../io/checkpoint.ts";
import { type Agent, createAgent } from "./create_agent.ts";
import { RunFiles } from "./run_files.ts";
import { RunLock } from "./run_lock.ts";
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
export interface RunSummary {
  /** Iterations completed, counting those before a resume. */
  readonly iterations: number;
  /** Environment steps taken over all envs, counting those before a resume. */
  readonly globalStep: number;
  /** True when `stop()` ended the run before `totalTimesteps`. */
  readonly stopped: boolean;
  /** The last iteration's metrics, if any iteration ran. */
  readonly lastMetrics: IterationMetrics | null;
  /** Mean return of the last 100 finished episodes. */
  readonly meanReturn100: number | null;
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
  const { collector, shuffleRng } = agent;
  const { numIterations } = derivedSizes(resolved);
  const startIteration = collector.policyVersion;

  const iterations = new Subject<IterationMetrics>();
  const episodes = new Subject<EpisodeResult>();
  const updates = new Subject<UpdateResult>();
  const steps = new Subject<StepBatch>();
  const recentReturns: number[] = resumed?.recentReturns ?? [];
  const stageState: Map<string, JsonValue> = resumed?.stageState ?? new Map();
  const sinks = options.sinks ?? [];
  let stopRequested = false;
  let lastMetrics: IterationMetrics | null = null;
  let checkpoint: string | null = null;

  const meanReturn100 = () =>
    recentReturns.length === 0 ? null : recentReturns.reduce((a, b) => a + b, 0) / recentReturns.length;
  const recordEpisodes = tap((step: StepBatch) => {
    if (steps.observed) steps.next(step);
    for (const episode of step.episodes) {
      recentReturns.push(episode.return);
      if (recentReturns.length > 100) recentReturns.shift();
      episodes.next(episode);
    }
  });
  const transform = options.transform ? pipe(recordEpisodes, options.transform) : recordEpisodes;

  const afterIteration = async (metrics: IterationMetrics): Promise<IterationMetrics> => {
    lastMetrics = metrics;
    await files?.writeMetrics(metrics);
    for (const sink of sinks) await sink.write(metrics);
    // Subscribers run first: one of them may call stop(), which must still leave a checkpoint of this iteration.
    iterations.next(metrics);
    const last = metrics.iteration >= numIterations || stopRequested;
    if (files && (last || metrics.iteration % checkpointEvery === 0)) {
      checkpoint = await files.saveCheckpoint(agent, recentReturns, meanReturn100(), stageState);
    }
    return metrics;
  };

  const since = { time: clock(), globalStep: collector.globalStep };
  // Files and checkpoints are part of the iteration: the next one starts only after they are written.
  // The macrotask before each iteration lets signals, timers and I/O run even with a synchronous engine.
  const iteration$ = timer(0).pipe(
    concatMap(() =>
      options.iteration
        ? options.iteration(
          iterationContext(collector, shuffleRng, resolved, { transform, state: stageState }),
        )
        : ppoIteration(collector, shuffleRng, resolved, {
          transform,
          state: stageState,
          ...(options.stages === undefined ? {} : { stages: options.stages }),
        })
    ),
    tap((update) => updates.next(update)),
    iterationMetrics({ clock, since }),
    concatMap((metrics) => from(afterIteration(metrics))),
  );
  // `repeat` subscribes to one iteration at a time, so memory does not grow with the planned total (a
  // `range` of every iteration into `concatMap` would queue them all up front).
  const pipeline$ = iteration$.pipe(
    repeat(Math.max(numIterations - startIteration, 0)),
    takeWhile(() => !stopRequested, true),
  );

  const summary = (): RunSummary => ({
    iterations: collector.policyVersion,
    globalStep: collector.globalStep,
    stopped: stopRequested && collector.policyVersion < numIterations,
    lastMetrics,
    meanReturn100: meanReturn100(),
    checkpoint,
  });

  const done = new Promise<RunSummary>((resolve, reject) => {
    const finish = async (error?: unknown) => {
      try {
        try {
          await files?.close();
          for (const sink of sinks) await sink.close?.();
        } finally {
          await agent.dispose();
        }
      } catch (closeError) {
        error ??= closeError;
      }
      // The run directory stays claimed until its files are closed.
      await heldLock?.release().catch((releaseError) => {
        error ??= releaseError;
      });
      if (error === undefined) {
        iterations.complete();
        episodes.complete();
        updates.complete();
        steps.complete();
        resolve(summary());
      } else {
        iterations.error(error);
        episodes.error(error);
        updates.error(error);
        steps.error(error);
        reject(error);
      }
    };
    timer(0).pipe(concatMap(() => pipeline$)).subscribe({
      error: (error) => void finish(error),
      complete: () => void finish(),
    });
  });
  // The caller may never await `done`; a failed run must still not become an unhandled rejection.
  done.catch(() => {});

  return {
    config: resolved,
    runDir,
    engine: agent.engine.engine,
    ...(agent.engine.backend === undefined ? {} : { backend: agent.engine.backend }),
    iterations$: iterations.asObservable(),
    episodes$: episodes.asObservable(),
    updates$: updates.asObservable(),
    steps$: steps.asObservable(),
    envStates: () => agent.vecEnv.getState(),
    done,
    stop() {
      stopRequested = true;
      return done;
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
