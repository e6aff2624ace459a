import { concatMap, map } from "rxjs";
import type { OperatorFunction } from "../_rxjs.ts";
import { tdTargets } from "../core/td_targets.ts";
import type { ValueEstimator } from "./advantage.ts";
import { criticValues } from "./_critic_values.ts";
import type { AdvantageBatch, Rollout } from "./types.ts";

/** Options of {@linkcode tdAdvantage}. */
export interface TdAdvantageOptions {
  /** Discount factor. @default {0.99} */
  readonly gamma?: number;
}

/**
 * Computes one-step TD value targets `r + gamma * V(s')` (no bootstrap on termination) and advantages
 * `target - V(s)` for each rollout: a drop-in alternative to {@linkcode advantage} (the same input and output
 * types), equal to GAE with lambda 0.
 *
 * It's like `map(tdTargets)`, but first asks the critic, in one batched call, for the values of the final
 * observation of every truncated (not terminated) episode and of the observations after the rollout; the other
 * next values are the rollout's own.
 *
 * ```
 * source:  ---r------r---|
 * tdAdvantage(engine)
 * result:  ---a------a---|
 * ```
 *
 * @param critic Supplies `values(obs, batch, out)`; it may answer with a promise.
 * @param options The discount.
 * @returns An operator from rollouts to advantage batches (`returns` are the TD targets).
 *
 * @example
 * ```ts
 * import { of } from "rxjs";
 * import { tdAdvantage } from "./td_advantage.ts";
 * import type { Rollout } from "./types.ts";
 * import assert from "node:assert/strict";
 *
 * const critic = { values: (_obs: Float32Array, batch: number, out: Float32Array) => void out.fill(4, 0, batch) };
 * const r: Rollout = {
 *   numSteps: 1, numEnvs: 1, obsDim: 1, actionDim: 1, obs: Float32Array.of(0), actions: Float32Array.of(0),
 *   logProbs: Float32Array.of(0), values: Float32Array.of(1), rewards: Float32Array.of(1),
 *   terminated: Uint8Array.of(0), truncated: Uint8Array.of(0), finalObs: Float32Array.of(0),
 *   nextObs: Float32Array.of(1), episodes: [], policyVersion: 0, globalStep: 1,
 * };
 * of(r).pipe(tdAdvantage(critic, { gamma: 0.5 })).subscribe((a) => {
 *   assert.deepEqual(Array.from(a.returns), [1 + 0.5 * 4]);
 *   assert.deepEqual(Array.from(a.advantages), [2]);
 * });
 * ```
 */
export function tdAdvantage(
  critic: ValueEstimator,
  options: TdAdvantageOptions = {},
): OperatorFunction<Rollout, AdvantageBatch> {
  const gamma = options.gamma ?? 0.99;
  if (!(gamma >= 0 && gamma <= 1)) {
    throw new RangeError(`Cannot create tdAdvantage as gamma must be in [0, 1]: current value is ${gamma}`);
  }
  return concatMap((r: Rollout) =>
    criticValues(critic, r).pipe(
      map(({ finalValues, nextValues }): AdvantageBatch => {
        const { advantages, returns } = tdTargets({ ...r, finalValues, nextValues }, { gamma });
        return { ...r, advantages, returns };
      }),
    )
  );
}
