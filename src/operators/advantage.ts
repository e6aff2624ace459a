import { concatMap, map } from "rxjs";
import type { OperatorFunction } from "../_rxjs.ts";
import { gae } from "../core/gae.ts";
import type { PolicyEngine } from "../model/types.ts";
import { maybeAsync } from "./_maybe_async.ts";
import type { AdvantageBatch, Rollout } from "./types.ts";

/** Options of {@linkcode advantage}. */
export interface AdvantageOptions {
  /** Discount factor. @default {0.99} */
  readonly gamma?: number;
  /** GAE lambda. @default {0.95} */
  readonly gaeLambda?: number;
  /**
   * A holder whose arrays every batch of the same size reuses, also across subscriptions (one run's
   * iterations), instead of allocating: each batch's advantages and returns then overwrite the previous ones,
   * which on-policy lockstep allows once its update is done. Copy what must outlive the next batch.
   * @default {fresh arrays for every batch}
   */
  readonly reuse?: { buffers?: AdvantageBuffers };
}

/** Arrays {@linkcode advantage} reuses: bootstrap inputs for up to every row plus the next observations. */
export interface AdvantageBuffers {
  /** Rollout rows the buffers were sized for (`numSteps * numEnvs`). */
  readonly rows: number;
  /**
   * `[(rows + numEnvs) * obsDim]` observations to bootstrap from: truncated final observations, then the next
   * ones.
   */
  readonly obs: Float32Array;
  /** `[rows + numEnvs]` critic values of `obs`. */
  readonly values: Float32Array;
  /** `[rows]` value of each truncated step's final observation (0 elsewhere). */
  readonly finalValues: Float32Array;
  /** `[rows]` GAE advantages. */
  readonly advantages: Float32Array;
  /** `[rows]` returns (advantages + values). */
  readonly returns: Float32Array;
  /** Rows of the truncated (not terminated) steps, in order. */
  readonly bootstrapRows: Int32Array;
}

/** The part of a policy engine that {@linkcode advantage} needs. */
export type ValueEstimator = Pick<PolicyEngine, "values">;

/**
 * Computes GAE advantages and returns for each rollout.
 *
 * It's like `map(gae)`, but first asks the critic, in one batched call, for the values it bootstraps from: the
 * final observation of every truncated (not terminated) episode and the observations after the rollout's last
 * step.
 *
 * ```
 * source:  ---r------r---|
 * advantage(engine)
 * result:  ---a------a---|
 * ```
 *
 * @param critic Supplies `values(obs, batch, out)`; it may answer with a promise.
 * @param options Discount and lambda.
 * @returns An operator from rollouts to advantage batches.
 *
 * @example
 * ```ts
 * import { of } from "rxjs";
 * import { advantage } from "./advantage.ts";
 * import type { Rollout } from "./types.ts";
 * import assert from "node:assert/strict";
 *
 * const critic = { values: (_obs: Float32Array, batch: number, out: Float32Array) => void out.fill(2, 0, batch) };
 * const r: Rollout = {
 *   numSteps: 1, numEnvs: 1, obsDim: 1, actionDim: 1, obs: Float32Array.of(0), actions: Float32Array.of(0),
 *   logProbs: Float32Array.of(0), values: Float32Array.of(1), rewards: Float32Array.of(1),
 *   terminated: Uint8Array.of(0), truncated: Uint8Array.of(0), finalObs: Float32Array.of(0),
 *   nextObs: Float32Array.of(0), episodes: [], policyVersion: 0, globalStep: 1,
 * };
 * of(r).pipe(advantage(critic, { gamma: 0.5 })).subscribe((a) => {
 *   assert.deepEqual(Array.from(a.advantages), [1 + 0.5 * 2 - 1]);
 * });
 * ```
 */
export function advantage(
  critic: ValueEstimator,
  options: AdvantageOptions = {},
): OperatorFunction<Rollout, AdvantageBatch> {
  const gamma = options.gamma ?? 0.99;
  const gaeLambda = options.gaeLambda ?? 0.95;
  for (const [name, value] of [["gamma", gamma], ["gaeLambda", gaeLambda]] as const) {
    if (!(value >= 0 && value <= 1)) {
      throw new RangeError(`Cannot create advantage as ${name} must be in [0, 1]: current value is ${value}`);
    }
  }
  return concatMap((r: Rollout) => {
    const { numEnvs, obsDim } = r;
    const rows = r.numSteps * numEnvs;
    const buffers = buffersFor(r, options.reuse);
    const bootstrapRows = buffers.bootstrapRows;
    let bootstraps = 0;
    for (let i = 0; i < rows; i++) {
      if (r.truncated[i] && !r.terminated[i]) bootstrapRows[bootstraps++] = i;
    }
    const count = bootstraps + numEnvs;
    const obs = buffers.obs.subarray(0, count * obsDim);
    for (let k = 0; k < bootstraps; k++) {
      const row = bootstrapRows[k]!;
      obs.set(r.finalObs.subarray(row * obsDim, (row + 1) * obsDim), k * obsDim);
    }
    obs.set(r.nextObs, bootstraps * obsDim);
    const values = buffers.values.subarray(0, count);
    return maybeAsync(critic.values(obs, count, values)).pipe(
      map((): AdvantageBatch => {
        const finalValues = buffers.finalValues.fill(0);
        for (let k = 0; k < bootstraps; k++) finalValues[bootstrapRows[k]!] = values[k]!;
        const nextValues = values.subarray(bootstraps);
        const { advantages, returns } = gae({ ...r, finalValues, nextValues }, { gamma, gaeLambda }, buffers);
        return { ...r, advantages, returns };
      }),
    );
  });
}

function buffersFor(r: Rollout, reuse: { buffers?: AdvantageBuffers } | undefined): AdvantageBuffers {
  const rows = r.numSteps * r.numEnvs;
  const old = reuse?.buffers;
  if (old !== undefined && old.rows === rows && old.obs.length === (rows + r.numEnvs) * r.obsDim) return old;
  const buffers: AdvantageBuffers = {
    rows,
    obs: new Float32Array((rows + r.numEnvs) * r.obsDim),
    values: new Float32Array(rows + r.numEnvs),
    finalValues: new Float32Array(rows),
    advantages: new Float32Array(rows),
    returns: new Float32Array(rows),
    bootstrapRows: new Int32Array(rows),
  };
  if (reuse !== undefined) reuse.buffers = buffers;
  return buffers;
}
