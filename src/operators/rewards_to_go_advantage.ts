import { concatMap, map, of } from "rxjs";
import type { Observable, OperatorFunction } from "../_rxjs.ts";
import { rewardsToGo } from "../core/rewards_to_go.ts";
import type { ValueEstimator } from "./advantage.ts";
import { type CriticValues, criticValues } from "./_critic_values.ts";
import type { AdvantageBatch, Rollout } from "./types.ts";

/** Options of {@linkcode rewardsToGoAdvantage}. */
export interface RewardsToGoAdvantageOptions {
  /** Discount factor. @default {0.99} */
  readonly gamma?: number;
  /**
   * Continue truncated episodes from the value of their final observation, and the rollout's unfinished ends
   * from the value of the next observation; false sums only the collected rewards (the PyTorch tutorial's
   * rewards-to-go over whole episodes) and never asks the critic.
   * @default {true}
   */
  readonly bootstrap?: boolean;
}

/**
 * Computes Monte-Carlo returns ("rewards-to-go") and advantages `G - V` for each rollout: a drop-in alternative
 * to {@linkcode advantage} (the same input and output types) with no GAE lambda.
 *
 * It's like `map(rewardsToGo)`, but first asks the critic, in one batched call, for the values it bootstraps from:
 * the final observation of every truncated (not terminated) episode and the observations after the rollout.
 *
 * ```
 * source:  ---r------r---|
 * rewardsToGoAdvantage(engine)
 * result:  ---a------a---|
 * ```
 *
 * @param critic Supplies `values(obs, batch, out)`; it may answer with a promise.
 * @param options Discount and bootstrapping.
 * @returns An operator from rollouts to advantage batches (`returns` are the rewards-to-go).
 *
 * @example
 * ```ts
 * import { of } from "rxjs";
 * import { rewardsToGoAdvantage } from "./rewards_to_go_advantage.ts";
 * import type { Rollout } from "./types.ts";
 * import assert from "node:assert/strict";
 *
 * const critic = { values: (_obs: Float32Array, batch: number, out: Float32Array) => void out.fill(2, 0, batch) };
 * const r: Rollout = {
 *   numSteps: 2, numEnvs: 1, obsDim: 1, actionDim: 1, obs: Float32Array.of(0, 1), actions: Float32Array.of(0, 0),
 *   logProbs: Float32Array.of(0, 0), values: Float32Array.of(1, 1), rewards: Float32Array.of(1, 1),
 *   terminated: Uint8Array.of(0, 0), truncated: Uint8Array.of(0, 0), finalObs: Float32Array.of(0, 0),
 *   nextObs: Float32Array.of(2), episodes: [], policyVersion: 0, globalStep: 2,
 * };
 * of(r).pipe(rewardsToGoAdvantage(critic, { gamma: 0.5 })).subscribe((a) => {
 *   assert.deepEqual(Array.from(a.returns), [1 + 0.5 * (1 + 0.5 * 2), 1 + 0.5 * 2]);
 * });
 * ```
 */
export function rewardsToGoAdvantage(
  critic: ValueEstimator,
  options: RewardsToGoAdvantageOptions = {},
): OperatorFunction<Rollout, AdvantageBatch> {
  const gamma = options.gamma ?? 0.99;
  const bootstrap = options.bootstrap ?? true;
  if (!(gamma >= 0 && gamma <= 1)) {
    throw new RangeError(
      `Cannot create rewardsToGoAdvantage as gamma must be in [0, 1]: current value is ${gamma}`,
    );
  }
  return concatMap((r: Rollout) => {
    const bootstraps: Observable<Pick<CriticValues, "finalValues" | "nextValues">> = bootstrap
      ? criticValues(critic, r)
      : of({
        finalValues: new Float32Array(r.numSteps * r.numEnvs),
        nextValues: new Float32Array(r.numEnvs),
      });
    return bootstraps.pipe(
      map(({ finalValues, nextValues }): AdvantageBatch => {
        const { advantages, returns } = rewardsToGo({ ...r, finalValues, nextValues }, { gamma, bootstrap });
        return { ...r, advantages, returns };
      }),
    );
  });
}
