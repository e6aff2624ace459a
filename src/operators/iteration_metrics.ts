import { defer, filter, map } from "rxjs";
import type { Observable, OperatorFunction } from "../_rxjs.ts";
import type { IterationMetrics, UpdateResult } from "./types.ts";

/** Options of {@linkcode iterationMetrics}. */
export interface IterationMetricsOptions {
  /** Milliseconds clock for SPS. @default {performance.now} */
  readonly clock?: () => number;
  /**
   * Count SPS from this clock time and global step instead of from the subscription and its first batch: for a
   * subscription per iteration, as `train()` makes.
   */
  readonly since?: { readonly time: number; readonly globalStep: number };
}

/**
 * Summarises each iteration's updates in one {@linkcode IterationMetrics} record with CleanRL's keys.
 *
 * It's like CleanRL's logging block at the end of an iteration: losses and KL are the last update's,
 * `losses/clipfrac` the mean over all updates of the iteration, explained variance is measured on the whole
 * batch, and `charts/SPS` counts steps since this subscription started.
 *
 * ```
 * source:  --u--u--u--U-----u--u--u--U--|     (U: final update of an iteration)
 * iterationMetrics()
 * result:  -----------m--------------m--|
 * ```
 *
 * @param options An injectable clock.
 * @returns An operator from update results to one metrics record per iteration.
 *
 * @example
 * ```ts ignore
 * updates$.pipe(iterationMetrics()).subscribe((m) => console.log(m["charts/episodic_return"]));
 * ```
 */
export function iterationMetrics(
  options: IterationMetricsOptions = {},
): OperatorFunction<UpdateResult, IterationMetrics> {
  const clock = options.clock ?? (() => performance.now());
  return (source: Observable<UpdateResult>) =>
    defer(() => {
      const startTime = options.since?.time ?? clock();
      let startStep = options.since?.globalStep;
      let clipfracSum = 0;
      let updates = 0;
      return source.pipe(
        map((update) => {
          clipfracSum += update.losses.clipfrac;
          updates++;
          if (!update.final) return undefined;
          const batch = update.batch;
          startStep ??= batch.globalStep - batch.numSteps * batch.numEnvs;
          const elapsedSeconds = Math.max((clock() - startTime) / 1000, 1e-9);
          const { losses } = update;
          const episodes = batch.episodes;
          const metrics: IterationMetrics = {
            global_step: batch.globalStep,
            iteration: batch.policyVersion + 1,
            ...(episodes.length > 0
              ? {
                "charts/episodic_return": mean(episodes.map((e) => e.return)),
                "charts/episodic_length": mean(episodes.map((e) => e.length)),
              }
              : {}),
            "charts/episodes": episodes.length,
            "charts/SPS": Math.round((batch.globalStep - startStep) / elapsedSeconds),
            "charts/learning_rate": update.learningRate,
            "losses/value_loss": losses.valueLoss,
            "losses/policy_loss": losses.policyLoss,
            "losses/entropy": losses.entropy,
            "losses/old_approx_kl": losses.oldApproxKl,
            "losses/approx_kl": losses.approxKl,
            "losses/clipfrac": clipfracSum / updates,
            "losses/explained_variance": explainedVariance(batch.values, batch.returns),
          };
          clipfracSum = 0;
          updates = 0;
          return metrics;
        }),
        filter((m): m is IterationMetrics => m !== undefined),
      );
    });
}

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/** 1 - Var(returns - values) / Var(returns), NaN when the returns do not vary (as CleanRL). */
function explainedVariance(values: Float32Array, returns: Float32Array): number {
  const n = values.length;
  let meanY = 0;
  let meanDiff = 0;
  for (let i = 0; i < n; i++) {
    meanY += returns[i]!;
    meanDiff += returns[i]! - values[i]!;
  }
  meanY /= n;
  meanDiff /= n;
  let varY = 0;
  let varDiff = 0;
  for (let i = 0; i < n; i++) {
    varY += (returns[i]! - meanY) ** 2;
    varDiff += (returns[i]! - values[i]! - meanDiff) ** 2;
  }
  return varY === 0 ? NaN : 1 - varDiff / varY;
}
