import { map } from "rxjs";
import type { Observable } from "../_rxjs.ts";
import type { ValueEstimator } from "./advantage.ts";
import { maybeAsync } from "./_maybe_async.ts";
import type { Rollout } from "./types.ts";

/** What {@linkcode criticValues} asked the critic for. */
export interface CriticValues {
  /** `[rows]` values of every row's observation with `current`; empty without. */
  readonly values: Float32Array;
  /** `[rows]` value of each truncated (not terminated) step's final observation, 0 elsewhere. */
  readonly finalValues: Float32Array;
  /** `[numEnvs]` values of the observations after the rollout's last step. */
  readonly nextValues: Float32Array;
}

/**
 * Asks the critic, in one batched call, for the values a return estimator bootstraps from: the final observation
 * of every truncated (not terminated) step and the observations after the rollout; with `current`, also the value
 * of every row's observation under the critic as it is now.
 */
export function criticValues(
  critic: ValueEstimator,
  r: Rollout,
  options: { readonly current?: boolean } = {},
): Observable<CriticValues> {
  const { numEnvs, obsDim } = r;
  const rows = r.numSteps * numEnvs;
  const current = options.current ? rows : 0;
  const bootstrapRows: number[] = [];
  for (let i = 0; i < rows; i++) {
    if (r.truncated[i] && !r.terminated[i]) bootstrapRows.push(i);
  }
  const count = current + bootstrapRows.length + numEnvs;
  const obs = new Float32Array(count * obsDim);
  if (current > 0) obs.set(r.obs.subarray(0, rows * obsDim));
  bootstrapRows.forEach((row, k) => {
    obs.set(r.finalObs.subarray(row * obsDim, (row + 1) * obsDim), (current + k) * obsDim);
  });
  obs.set(r.nextObs, (current + bootstrapRows.length) * obsDim);
  const out = new Float32Array(count);
  return maybeAsync(critic.values(obs, count, out)).pipe(
    map((): CriticValues => {
      const finalValues = new Float32Array(rows);
      bootstrapRows.forEach((row, k) => finalValues[row] = out[current + k]!);
      return {
        values: out.subarray(0, current),
        finalValues,
        nextValues: out.subarray(current + bootstrapRows.length),
      };
    }),
  );
}
