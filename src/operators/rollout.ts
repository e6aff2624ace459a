import { defer, filter, map } from "rxjs";
import type { Observable, OperatorFunction } from "../_rxjs.ts";
import type { EpisodeResult, Rollout, StepBatch } from "./types.ts";

/** Options of {@linkcode rollout}. */
export interface RolloutOptions {
  /** Vector steps per rollout (CleanRL's `numSteps`). */
  readonly numSteps: number;
  /**
   * A holder whose arrays every rollout of the same shape reuses, also across subscriptions (one run's
   * iterations), instead of allocating: each rollout then overwrites the previous one, which on-policy lockstep
   * allows once its update is done. Copy what must outlive the next rollout.
   * @default {fresh arrays for every rollout}
   */
  readonly reuse?: { rollout?: Rollout };
}

/**
 * Collects `numSteps` step batches into one {@linkcode Rollout} of `[numSteps * numEnvs]` arrays.
 *
 * It's like `bufferCount(numSteps)`, but copies each step's reused buffers into struct-of-arrays storage and
 * refuses a rollout whose steps came from different policy versions (on-policy data only).
 *
 * ```
 * source:  --s--s--s--s--s--s-|
 * rollout({ numSteps: 3 })
 * result:  --------r--------r-|
 * ```
 *
 * @param options The rollout length.
 * @returns An operator from step batches to rollouts; an incomplete rollout at completion is dropped.
 *
 * @example
 * ```ts
 * import { of } from "rxjs";
 * import { rollout } from "./rollout.ts";
 * import type { StepBatch } from "./types.ts";
 * import assert from "node:assert/strict";
 *
 * const step = (t: number): StepBatch => ({
 *   numEnvs: 1, obsDim: 1, actionDim: 1, obs: Float32Array.of(t), actions: Float32Array.of(0),
 *   logProbs: Float32Array.of(0), values: Float32Array.of(0), rewards: Float32Array.of(1),
 *   terminated: Uint8Array.of(0), truncated: Uint8Array.of(0), finalObs: Float32Array.of(0),
 *   nextObs: Float32Array.of(t + 1), episodes: [], policyVersion: 0, globalStep: t,
 * });
 * of(step(0), step(1)).pipe(rollout({ numSteps: 2 })).subscribe((r) => {
 *   assert.deepEqual(Array.from(r.obs), [0, 1]);
 *   assert.deepEqual(Array.from(r.nextObs), [2]);
 * });
 * ```
 */
export function rollout(options: RolloutOptions): OperatorFunction<StepBatch, Rollout> {
  const { numSteps } = options;
  if (!Number.isInteger(numSteps) || numSteps < 1) {
    throw new RangeError(
      `Cannot create rollout as numSteps must be a positive integer: current value is ${numSteps}`,
    );
  }
  return (source: Observable<StepBatch>) =>
    defer(() => {
      let t = 0;
      let current: MutableRollout | undefined;
      return source.pipe(
        map((step) => {
          if (t === 0) current = allocate(step, numSteps, options.reuse);
          const full = append(current!, step, t);
          t = full ? 0 : t + 1;
          return full ? current! : undefined;
        }),
        filter((r): r is MutableRollout => r !== undefined),
      );
    });
}

interface MutableRollout extends Rollout {
  episodes: EpisodeResult[];
  policyVersion: number;
  globalStep: number;
}

function allocate(step: StepBatch, numSteps: number, reuse?: { rollout?: Rollout }): MutableRollout {
  const { numEnvs, obsDim, actionDim } = step;
  const rows = numSteps * numEnvs;
  const old = reuse?.rollout as MutableRollout | undefined;
  if (
    old !== undefined && old.numSteps === numSteps && old.numEnvs === numEnvs && old.obsDim === obsDim &&
    old.actionDim === actionDim
  ) {
    old.episodes = [];
    old.policyVersion = step.policyVersion;
    old.globalStep = step.globalStep;
    return old;
  }
  const fresh: MutableRollout = {
    numSteps,
    numEnvs,
    obsDim,
    actionDim,
    obs: new Float32Array(rows * obsDim),
    actions: new Float32Array(rows * actionDim),
    logProbs: new Float32Array(rows),
    values: new Float32Array(rows),
    rewards: new Float32Array(rows),
    terminated: new Uint8Array(rows),
    truncated: new Uint8Array(rows),
    finalObs: new Float32Array(rows * obsDim),
    nextObs: new Float32Array(numEnvs * obsDim),
    episodes: [],
    policyVersion: step.policyVersion,
    globalStep: step.globalStep,
  };
  if (reuse !== undefined) reuse.rollout = fresh;
  return fresh;
}

/** Copies one step into row `t`; returns true when the rollout is full. */
function append(r: MutableRollout, step: StepBatch, t: number): boolean {
  if (step.numEnvs !== r.numEnvs || step.obsDim !== r.obsDim || step.actionDim !== r.actionDim) {
    throw new TypeError(
      `Cannot collect rollout as step shapes changed: current value is numEnvs=${step.numEnvs}, obsDim=${step.obsDim}, actionDim=${step.actionDim}`,
    );
  }
  if (step.policyVersion !== r.policyVersion) {
    throw new RangeError(
      `Cannot collect rollout as its steps must come from policy version ${r.policyVersion}: current value is ${step.policyVersion}`,
    );
  }
  const n = r.numEnvs;
  r.obs.set(step.obs, t * n * r.obsDim);
  r.finalObs.set(step.finalObs, t * n * r.obsDim);
  r.actions.set(step.actions, t * n * r.actionDim);
  r.logProbs.set(step.logProbs, t * n);
  r.values.set(step.values, t * n);
  r.rewards.set(step.rewards, t * n);
  r.terminated.set(step.terminated, t * n);
  r.truncated.set(step.truncated, t * n);
  for (const episode of step.episodes) r.episodes.push(episode);
  r.globalStep = step.globalStep + n;
  if (t === r.numSteps - 1) {
    r.nextObs.set(step.nextObs);
    return true;
  }
  return false;
}
