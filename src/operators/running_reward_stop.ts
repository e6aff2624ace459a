import { defer, filter, map, takeWhile } from "rxjs";
import type { Observable, OperatorFunction } from "../_rxjs.ts";
import type { EpisodeResult, IterationMetrics } from "./types.ts";

/** Options of {@linkcode runningRewardStop}. */
export interface RunningRewardStopOptions {
  /** The rule fires once the running reward is above this (the numpy tutorial's 195 for CartPole). */
  readonly threshold: number;
  /** Weight of the newest value: `running = smoothing * value + (1 - smoothing) * running`. @default {0.05} */
  readonly smoothing?: number;
  /** The running reward before the first value. @default {0} */
  readonly initial?: number;
}

/** One value folded into the running reward by {@linkcode runningRewardStop}. */
export interface RunningReward {
  /** Values folded in so far, this one included. */
  readonly count: number;
  /** The value: an episode's return, or an iteration's mean episodic return. */
  readonly value: number;
  /** The running reward after this value. */
  readonly runningReward: number;
  /** True when the running reward is above the threshold: the last emission before completion. */
  readonly solved: boolean;
}

/**
 * A stop rule on a metric stream: folds each episode's return (or each iteration's mean episodic return) into an
 * exponential running reward, emits it, and completes right after the emission that goes above `threshold`.
 *
 * It's like `scan` followed by `takeWhile(notSolved, true)`, with the numpy tutorial's rule as the default
 * (`running = 0.05 * episode + 0.95 * running`, solved above 195 on CartPole). Iterations without a finished
 * episode are skipped. To stop a training run with it, call `run.stop()` on the solved emission: the run finishes
 * its current iteration, writes its checkpoint and resolves `done` with `stopped: true`.
 *
 * ```
 * source:  --e----e----e----e--|
 * runningRewardStop({ threshold })
 * result:  --r----r----(r|)          (the third running reward is above the threshold)
 * ```
 *
 * @param options The threshold, the smoothing and the starting value.
 * @returns An operator from episodes (`run.episodes$`) or iteration metrics (`run.iterations$`) to running
 *   rewards.
 *
 * @example Stop training once CartPole is solved
 * ```ts ignore
 * const run = await train({ envId: "CartPole-v1" });
 * run.episodes$.pipe(runningRewardStop({ threshold: 195 })).subscribe((r) => {
 *   if (r.solved) void run.stop();
 * });
 * const summary = await run.done; // summary.stopped: true once solved
 * ```
 */
export function runningRewardStop(
  options: RunningRewardStopOptions,
): OperatorFunction<Pick<EpisodeResult, "return"> | IterationMetrics, RunningReward> {
  const { threshold } = options;
  const smoothing = options.smoothing ?? 0.05;
  const initial = options.initial ?? 0;
  if (typeof threshold !== "number" || Number.isNaN(threshold)) {
    throw new RangeError(
      `Cannot create runningRewardStop as threshold must be a number: current value is ${threshold}`,
    );
  }
  if (!(smoothing > 0 && smoothing <= 1)) {
    throw new RangeError(
      `Cannot create runningRewardStop as smoothing must be in (0, 1]: current value is ${smoothing}`,
    );
  }
  if (!Number.isFinite(initial)) {
    throw new RangeError(
      `Cannot create runningRewardStop as initial must be finite: current value is ${initial}`,
    );
  }
  return (source: Observable<Pick<EpisodeResult, "return"> | IterationMetrics>) =>
    defer(() => {
      let running = initial;
      let count = 0;
      return source.pipe(
        map((item) => "return" in item ? item.return : item["charts/episodic_return"]),
        filter((value): value is number => value !== undefined),
        map((value): RunningReward => {
          running = smoothing * value + (1 - smoothing) * running;
          count++;
          return { count, value, runningReward: running, solved: running > threshold };
        }),
        takeWhile((r) => !r.solved, true),
      );
    });
}
