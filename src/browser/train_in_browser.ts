import { concatMap, defer, from, Observable as RxObservable, repeat, Subject, takeWhile, tap } from "rxjs";
import type { Observable } from "../_rxjs.ts";
import { derivedSizes, type PpoConfig, resolveConfig } from "../config/ppo_config.ts";
import { configToJson } from "../config/config_to_json.ts";
import { presetFor } from "../config/presets.ts";
import type { MachineFacts } from "../model/choose_engine.ts";
import { Rng } from "../core/rng.ts";
import { VecEnv, type VecEnvState } from "../envs/vec_env.ts";
import { encodeCheckpoint } from "../io/checkpoint_bytes.ts";
import { initParams } from "../model/init_params.ts";
import { paramLayout } from "../model/param_layout.ts";
import { Collector } from "../operators/collector.ts";
import { iterationMetrics } from "../operators/iteration_metrics.ts";
import type { EpisodeResult, IterationMetrics, StepBatch, UpdateResult } from "../operators/types.ts";
import { type Agent, collectorOptions, networkConfig } from "../train/create_agent.ts";
import { ppoIteration } from "../train/ppo_iteration.ts";
import { type TrainingMetadata, trainingMetadata } from "../train/training_metadata.ts";
import { type BrowserEngineChoice, type BrowserEngineName, createBrowserPolicy } from "./browser_policy.ts";

/**
 * The generators' seed offsets `createAgent` uses (high word, so they never equal an env seed `seed + i`): the
 * same seed gives the same initial network and minibatch order as `train()`; a test holds the two together.
 */
const INIT_STREAM = 1 * 2 ** 32;
const SHUFFLE_STREAM = 3 * 2 ** 32;

/** Options of {@linkcode trainInBrowser} that are not hyperparameters. */
export interface BrowserTrainOptions {
  /** The engine (see `createBrowserPolicy`). @default {"auto"} */
  readonly engine?: BrowserEngineChoice;
  /** Apply the environment's preset under `config`; false gives CleanRL's settings. @default {true} */
  readonly usePreset?: boolean;
  /** Milliseconds clock for SPS. @default {performance.now} */
  readonly clock?: () => number;
  /** Facts about the machine for the `"auto"` engine, probed when absent. @default {{}} */
  readonly facts?: MachineFacts;
}

/** How a browser run ended. */
export interface BrowserRunSummary {
  /** Iterations completed. */
  readonly iterations: number;
  /** Environment steps taken over all envs. */
  readonly globalStep: number;
  /** True when `stop()` ended the run before `totalTimesteps`. */
  readonly stopped: boolean;
  /** The last iteration's metrics, if any iteration ran. */
  readonly lastMetrics: IterationMetrics | null;
  /** Mean return of the last 100 finished episodes. */
  readonly meanReturn100: number | null;
}

/** A training run in a page or worker: hot metric streams, the checkpoint as bytes, and a clean stop. */
export interface BrowserRun {
  /** The resolved config. */
  readonly config: PpoConfig;
  /** The engine that runs the networks. */
  readonly engine: BrowserEngineName;
  /** Why that engine. */
  readonly engineReason: string;
  /** One record per iteration (CleanRL's keys). Hot: subscribe right after `trainInBrowser()` resolves. */
  readonly iterations$: Observable<IterationMetrics>;
  /** Every finished episode. */
  readonly episodes$: Observable<EpisodeResult>;
  /** Every minibatch update's losses. */
  readonly updates$: Observable<UpdateResult>;
  /** Every vector step, synchronously (its buffers are reused: copy what you keep). */
  readonly steps$: Observable<StepBatch>;
  /** Mean return of the last 100 finished episodes, or null before the first. */
  meanReturn100(): number | null;
  /** A snapshot of the training envs, or null if they cannot save it. */
  envStates(): VecEnvState | null;
  /**
   * The run as a training checkpoint's bytes, the file `train()` writes (`deno task eval --checkpoint` plays
   * it). Call it between iterations (from a handler of `iterations$`, or another task) or after the run ended.
   */
  checkpoint(): Uint8Array;
  /** Resolves when training ends (rejects on an error). */
  readonly done: Promise<BrowserRunSummary>;
  /** Finishes the current iteration and ends the run. */
  stop(): Promise<BrowserRunSummary>;
  /** Stops the run and frees its engine (after which `checkpoint()` cannot be called). */
  dispose(): Promise<void>;
}

/**
 * Trains a PPO agent without a file system: `train()`'s composition (CleanRL's stages, one iteration at a time,
 * a macrotask between iterations so messages and rendering get their turn), minus run files. It runs wherever the
 * bundle loads: a Web Worker, a page, Deno. Training starts on the next turn of the event loop.
 *
 * @param config Hyperparameters to override (CleanRL names).
 * @param options Engine, preset and clock.
 * @returns The running {@linkcode BrowserRun}.
 *
 * @example
 * ```ts
 * import { trainInBrowser } from "./train_in_browser.ts";
 * import assert from "node:assert/strict";
 *
 * const run = await trainInBrowser({ envId: "CartPole-v1", totalTimesteps: 1024 }, { usePreset: false });
 * const summary = await run.done;
 * assert.equal(summary.globalStep, 1024);
 * assert.ok(run.checkpoint().length > 0);
 * await run.dispose();
 * ```
 */
export async function trainInBrowser(
  config: Partial<PpoConfig> = {},
  options: BrowserTrainOptions = {},
): Promise<BrowserRun> {
  const clock = options.clock ?? (() => performance.now());
  const resolved = resolveConfig(
    options.usePreset === false ? config : presetFor(config.envId ?? "CartPole-v1", config),
  );
  const vecEnv = new VecEnv(resolved.envId, resolved.numEnvs, {
    seed: resolved.seed,
    ...(resolved.maxEpisodeSteps === null ? {} : { maxEpisodeSteps: resolved.maxEpisodeSteps }),
  });
  const layout = paramLayout(networkConfig(resolved, vecEnv));
  const params = initParams(layout, new Rng(resolved.seed + INIT_STREAM), { init: resolved.init });
  const created = await createBrowserPolicy(layout, {
    params,
    ...(options.engine === undefined ? {} : { engine: options.engine }),
    ...(options.facts === undefined ? {} : { facts: options.facts }),
  });
  const policy = created.policy;
  const collector = new Collector(policy, vecEnv, collectorOptions(resolved, resolved.seed));
  const shuffleRng = new Rng(resolved.seed + SHUFFLE_STREAM);
  const agent: Agent = {
    config: resolved,
    vecEnv,
    layout,
    engine: policy,
    collector,
    shuffleRng,
    dispose: async () => await policy.dispose(),
  };
  const runId = crypto.randomUUID();
  const { numIterations } = derivedSizes(resolved);

  const iterations = new Subject<IterationMetrics>();
  const episodes = new Subject<EpisodeResult>();
  const updates = new Subject<UpdateResult>();
  const steps = new Subject<StepBatch>();
  const recentReturns: number[] = [];
  let stopRequested = false;
  let lastMetrics: IterationMetrics | null = null;
  const meanReturn100 = () =>
    recentReturns.length === 0 ? null : recentReturns.reduce((a, b) => a + b, 0) / recentReturns.length;
  const transform = tap((step: StepBatch) => {
    if (steps.observed) steps.next(step);
    for (const episode of step.episodes) {
      recentReturns.push(episode.return);
      if (recentReturns.length > 100) recentReturns.shift();
      episodes.next(episode);
    }
  });

  const since = { time: clock(), globalStep: 0 };
  const iteration$ = nextMacrotask().pipe(
    concatMap(() => defer(() => ppoIteration(collector, shuffleRng, resolved, { transform }))),
    tap((update) => updates.next(update)),
    iterationMetrics({ clock, since }),
    concatMap((metrics) => {
      lastMetrics = metrics;
      iterations.next(metrics);
      return from([metrics]);
    }),
  );
  const pipeline$ = iteration$.pipe(
    repeat(numIterations),
    takeWhile(() => !stopRequested, true),
  );
  const summary = (): BrowserRunSummary => ({
    iterations: collector.policyVersion,
    globalStep: collector.globalStep,
    stopped: stopRequested && collector.policyVersion < numIterations,
    lastMetrics,
    meanReturn100: meanReturn100(),
  });
  // The engine stays alive after training, until dispose(): checkpoint() reads its parameters and moments.
  const done = new Promise<BrowserRunSummary>((resolve, reject) => {
    pipeline$.subscribe({
      error(error) {
        for (const subject of [iterations, episodes, updates, steps]) subject.error(error);
        reject(error);
      },
      complete() {
        for (const subject of [iterations, episodes, updates, steps]) subject.complete();
        resolve(summary());
      },
    });
  });
  done.catch(() => {});

  return {
    config: resolved,
    engine: created.engine,
    engineReason: created.reason,
    iterations$: iterations.asObservable(),
    episodes$: episodes.asObservable(),
    updates$: updates.asObservable(),
    steps$: steps.asObservable(),
    meanReturn100,
    envStates: () => vecEnv.getState(),
    checkpoint: () =>
      encodeCheckpoint({
        params: policy.getParams(),
        tensors: layout.tensors,
        optimizer: policy.getOptimizerState(),
        metadata: configAsJson(trainingMetadata(agent, recentReturns, meanReturn100(), runId)),
      }, { action: "save the browser run's checkpoint" }),
    done,
    stop() {
      stopRequested = true;
      return done;
    },
    async dispose() {
      stopRequested = true;
      await done.catch(() => {});
      await policy.dispose();
    },
  };
}

/** The metadata as `train()` saves it: the config's non-finite numbers as strings (JSON has no Infinity). */
function configAsJson(meta: TrainingMetadata): Record<string, unknown> {
  return { ...meta, config: configToJson(meta.config) };
}

/**
 * Emits once on the next macrotask, through a `MessageChannel`: unlike `setTimeout(0)`, whose calls nested more
 * than 5 deep wait at least 4 ms in browsers (HTML's timer rule; 2.3 ms on average measured in Deno 2.9.6 against
 * 0.08 ms for a `MessageChannel` round trip), it costs no fixed delay, and an iteration of CleanRL's CartPole
 * takes only 5-20 ms.
 */
function nextMacrotask(): Observable<void> {
  return new RxObservable<void>((subscriber) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      subscriber.next();
      subscriber.complete();
    };
    channel.port2.postMessage(null);
    return () => {
      channel.port1.close();
      channel.port2.close();
    };
  });
}
