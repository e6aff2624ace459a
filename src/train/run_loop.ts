/**
 * The loop every training run shares, on Deno (`train()`) and in a browser (`trainInBrowser`): the iterations
 * of an agent as one observable, repeated until the planned total or a stop, with the run's hot streams and the
 * last 100 episodes' returns. What a run adds around it (run files, sinks, checkpoints, locks) comes in as hooks.
 * Nothing here touches Deno's APIs.
 *
 * @module
 */
import {
  concatMap,
  defer,
  from,
  Observable as RxObservable,
  pipe,
  repeat,
  Subject,
  takeWhile,
  tap,
  timer,
} from "rxjs";
import type { Observable, OperatorFunction } from "../_rxjs.ts";
import { derivedSizes } from "../config/ppo_config.ts";
import type { JsonValue } from "../io/checkpoint_bytes.ts";
import { iterationMetrics } from "../operators/iteration_metrics.ts";
import type { EpisodeResult, IterationMetrics, StepBatch, UpdateResult } from "../operators/types.ts";
import type { Agent } from "./create_agent.ts";
import { type IterationContext, iterationContext, ppoIteration, type PpoStages } from "./ppo_iteration.ts";

/** What a run puts around the shared loop. */
export interface RunLoopOptions {
  /** Milliseconds clock for SPS. */
  readonly clock: () => number;
  /** The returns of the last finished episodes (a resumed run's), kept up to 100. @default {[]} */
  readonly recentReturns?: number[];
  /** The stages' state across iterations (a resumed run's). @default {new Map()} */
  readonly stageState?: Map<string, JsonValue>;
  /** A user operator on the stream of vector steps, after the run has recorded them. */
  readonly transform?: OperatorFunction<StepBatch, StepBatch>;
  /** Stages instead of CleanRL's. */
  readonly stages?: PpoStages;
  /** One whole iteration instead of the stages. */
  readonly iteration?: (context: IterationContext) => Observable<UpdateResult>;
  /** Runs before `iterations$` emits an iteration's metrics (run files, sinks). */
  readonly beforeEmit?: (metrics: IterationMetrics) => Promise<void>;
  /** Runs after `iterations$` emitted them; `last` is true for the run's final iteration (checkpoints). */
  readonly afterEmit?: (metrics: IterationMetrics, last: boolean) => Promise<void>;
  /** Closes what the run holds when it ends, before the streams complete; its error fails the run. */
  readonly finish?: () => Promise<void>;
}

/** How the loop ended. */
export interface LoopSummary {
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
}

/** The running loop: hot streams, the recent returns, completion and a clean stop. */
export interface RunLoop {
  /** One record per iteration (CleanRL's keys). */
  readonly iterations$: Observable<IterationMetrics>;
  /** Every finished episode. */
  readonly episodes$: Observable<EpisodeResult>;
  /** Every minibatch update's losses. */
  readonly updates$: Observable<UpdateResult>;
  /** Every vector step, synchronously after the envs stepped; costs nothing while nobody subscribes. */
  readonly steps$: Observable<StepBatch>;
  /** The returns of the last (up to) 100 finished episodes, oldest first. */
  readonly recentReturns: readonly number[];
  /** The stages' state across iterations. */
  readonly stageState: Map<string, JsonValue>;
  /** Mean return of the last 100 finished episodes, or null before the first. */
  meanReturn100(): number | null;
  /** Resolves when the loop ends and `finish` has run (rejects on an error). */
  readonly done: Promise<LoopSummary>;
  /** Finishes the current iteration and ends the loop. */
  stop(): Promise<LoopSummary>;
}

/**
 * Starts an agent's iterations on the next macrotask, each one after the previous has been written.
 *
 * @param agent The agent (its collector counts the iterations and steps already done).
 * @param options The run's hooks and stages.
 * @returns The running loop.
 */
export function runLoop(agent: Agent, options: RunLoopOptions): RunLoop {
  const { collector, shuffleRng, config } = agent;
  const { numIterations } = derivedSizes(config);
  const startIteration = collector.policyVersion;
  const iterations = new Subject<IterationMetrics>();
  const episodes = new Subject<EpisodeResult>();
  const updates = new Subject<UpdateResult>();
  const steps = new Subject<StepBatch>();
  const subjects = [iterations, episodes, updates, steps];
  const recentReturns = options.recentReturns ?? [];
  const stageState = options.stageState ?? new Map<string, JsonValue>();
  let stopRequested = false;
  let lastMetrics: IterationMetrics | null = null;

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
    await options.beforeEmit?.(metrics);
    // Subscribers run first: one of them may call stop(), which must still reach afterEmit as the last.
    iterations.next(metrics);
    await options.afterEmit?.(metrics, metrics.iteration >= numIterations || stopRequested);
    return metrics;
  };

  const since = { time: options.clock(), globalStep: collector.globalStep };
  // A macrotask before each iteration lets signals, timers, I/O and a page's events run even with a
  // synchronous engine; the next iteration starts only after this one's hooks have finished.
  const nextTask = macrotasks();
  const iteration$ = defer(nextTask).pipe(
    concatMap(() =>
      options.iteration
        ? options.iteration(iterationContext(collector, shuffleRng, config, { transform, state: stageState }))
        : ppoIteration(collector, shuffleRng, config, {
          transform,
          state: stageState,
          ...(options.stages === undefined ? {} : { stages: options.stages }),
        })
    ),
    tap((update) => updates.next(update)),
    iterationMetrics({ clock: options.clock, since }),
    concatMap((metrics) => from(afterIteration(metrics))),
  );
  // `repeat` subscribes to one iteration at a time, so memory does not grow with the planned total (a
  // `range` of every iteration into `concatMap` would queue them all up front).
  const pipeline$ = iteration$.pipe(
    repeat(Math.max(numIterations - startIteration, 0)),
    takeWhile(() => !stopRequested, true),
  );

  const summary = (): LoopSummary => ({
    iterations: collector.policyVersion,
    globalStep: collector.globalStep,
    stopped: stopRequested && collector.policyVersion < numIterations,
    lastMetrics,
    meanReturn100: meanReturn100(),
  });

  const done = new Promise<LoopSummary>((resolve, reject) => {
    const end = async (error?: unknown) => {
      try {
        await options.finish?.();
      } catch (finishError) {
        error ??= finishError;
      }
      if (error === undefined) {
        for (const subject of subjects) subject.complete();
        resolve(summary());
      } else {
        for (const subject of subjects) subject.error(error);
        reject(error);
      }
    };
    pipeline$.subscribe({ error: (error) => void end(error), complete: () => void end() });
  });
  // The caller may never await `done`; a failed run must still not become an unhandled rejection.
  done.catch(() => {});

  return {
    iterations$: iterations.asObservable(),
    episodes$: episodes.asObservable(),
    updates$: updates.asObservable(),
    steps$: steps.asObservable(),
    recentReturns,
    stageState,
    meanReturn100,
    done,
    stop() {
      stopRequested = true;
      return done;
    },
  };
}

/** Milliseconds between two timer turns of {@linkcode macrotasks}. */
const TIMER_EVERY_MS = 20;

/**
 * Yields to the event loop, each call emitting once on a later macrotask. A `setTimeout(0)` nested in timer
 * callbacks waits about 2.2 ms in Deno 2.9.6 (4 ms in browsers, HTML's rule), a quarter of an iteration of
 * CleanRL's CartPole; a `MessageChannel` round trip takes 0.06 ms, but in Deno its tasks starve I/O (a loop of
 * them served 4 of 20 loopback requests where timers served all 20). So a timer turn comes every
 * {@linkcode TIMER_EVERY_MS} ms and a message hop otherwise: 0.6 ms per 5 ms iteration, every request served.
 */
function macrotasks(): () => Observable<unknown> {
  let lastTimer = -Infinity;
  return () => {
    const now = performance.now();
    if (now - lastTimer >= TIMER_EVERY_MS) {
      lastTimer = now;
      return timer(0);
    }
    return messageHop();
  };
}

/** Emits once on the next macrotask, through a `MessageChannel`. */
function messageHop(): Observable<void> {
  return new RxObservable<void>((subscriber) => {
    const channel = new MessageChannel();
    const close = () => {
      channel.port1.close();
      channel.port2.close();
    };
    channel.port1.onmessage = () => {
      close();
      subscriber.next();
      subscriber.complete();
    };
    channel.port2.postMessage(null);
    return close;
  });
}
