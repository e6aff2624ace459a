import { defer, filter, map } from "rxjs";
import type { Observable, OperatorFunction } from "../_rxjs.ts";
import type { EpisodeResult, Rollout, StepBatch } from "./types.ts";

/** Options of {@linkcode episodeRollout}; both bounds count vector steps (a rollout's `numSteps`). */
export interface EpisodeRolloutOptions {
  /**
   * The fewest vector steps in a rollout: it ends at the first step, from this many on, in which an episode
   * ends (whole episodes until at least `minSteps`, the PyTorch tutorial's batches). @default {1}
   */
  readonly minSteps?: number;
  /**
   * The most vector steps in a rollout: it ends here even mid-episode (the numpy tutorial's horizon), and the
   * advantage stage bootstraps the cut from the next observations. @default {Infinity}
   */
  readonly maxSteps?: number;
}

/** The first allocation, in vector steps, of a rollout without a finite `maxSteps`; it doubles as needed. */
const INITIAL_CAPACITY = 128;

/**
 * Collects step batches into rollouts that end with an episode: at the first episode end once the rollout holds
 * `minSteps` vector steps, or at `maxSteps` whatever comes first. With one environment, a rollout then holds
 * whole episodes (the PyTorch tutorial's "episodes until at least N steps") or an episode's next `maxSteps`
 * steps (the numpy tutorial's "T steps or the episode's end"); with several, an episode end in any of them ends
 * the rollout, and the others' unfinished episodes continue in the next one.
 *
 * It's like {@linkcode rollout}, but `numSteps` varies from rollout to rollout. Every step keeps its
 * `terminated` and `truncated` flags and final observation, and the rollout's `nextObs` are the observations
 * after its last step, so the advantage stages bootstrap exactly as for fixed-length rollouts. Each rollout has
 * arrays of its own. A rollout still incomplete when the source completes is dropped, so the source should be
 * long enough: in `train()`, the collection stage
 * `(context) => context.steps(Number.MAX_SAFE_INTEGER).pipe(episodeRollout({ minSteps }), take(1))` steps the
 * envs until the rollout ends, and no further. A stage that needs a batch size it can divide (`minibatches` with
 * `numMinibatches` above 1) may refuse a rollout's length.
 *
 * ```
 * source:  --s--s--S--s--s--s--S--|     (S: an episode ends)
 * episodeRollout({ minSteps: 2 })
 * result:  --------r-----------r--|
 * ```
 *
 * @param options The bounds of a rollout's length.
 * @returns An operator from step batches to rollouts.
 *
 * @example Whole episodes of one env until at least 3 steps
 * ```ts
 * import { of } from "rxjs";
 * import { episodeRollout } from "./episode_rollout.ts";
 * import type { StepBatch } from "./types.ts";
 * import assert from "node:assert/strict";
 *
 * const step = (t: number, done: boolean): StepBatch => ({
 *   numEnvs: 1, obsDim: 1, actionDim: 1, obs: Float32Array.of(t), actions: Float32Array.of(0),
 *   logProbs: Float32Array.of(0), values: Float32Array.of(0), rewards: Float32Array.of(1),
 *   terminated: Uint8Array.of(done ? 1 : 0), truncated: Uint8Array.of(0), finalObs: Float32Array.of(0),
 *   nextObs: Float32Array.of(t + 1), episodes: [], policyVersion: 0, globalStep: t,
 * });
 * of(step(0, false), step(1, true), step(2, false), step(3, true)).pipe(episodeRollout({ minSteps: 3 }))
 *   .subscribe((r) => assert.deepEqual(Array.from(r.obs), [0, 1, 2, 3]));
 * ```
 */
export function episodeRollout(options: EpisodeRolloutOptions = {}): OperatorFunction<StepBatch, Rollout> {
  const minSteps = options.minSteps ?? 1;
  const maxSteps = options.maxSteps ?? Infinity;
  if (!Number.isInteger(minSteps) || minSteps < 1) {
    throw new RangeError(
      `Cannot create episodeRollout as minSteps must be a positive integer: current value is ${minSteps}`,
    );
  }
  if (maxSteps !== Infinity && (!Number.isInteger(maxSteps) || maxSteps < 1)) {
    throw new RangeError(
      `Cannot create episodeRollout as maxSteps must be a positive integer or Infinity: current value is ${maxSteps}`,
    );
  }
  if (minSteps > maxSteps) {
    throw new RangeError(
      `Cannot create episodeRollout as minSteps must be at most maxSteps ${maxSteps}: current value is ${minSteps}`,
    );
  }
  return (source: Observable<StepBatch>) =>
    defer(() => {
      let current: GrowingRollout | undefined;
      return source.pipe(
        map((step) => {
          current ??= new GrowingRollout(step, Math.min(maxSteps, INITIAL_CAPACITY));
          const t = current.append(step);
          let ended = t >= maxSteps;
          if (!ended && t >= minSteps) {
            for (let i = 0; i < step.numEnvs && !ended; i++) {
              ended = step.terminated[i] !== 0 || step.truncated[i] !== 0;
            }
          }
          if (!ended) return undefined;
          const full = current.rollout();
          current = undefined;
          return full;
        }),
        filter((r): r is Rollout => r !== undefined),
      );
    });
}

/** A rollout's per-row arrays. */
interface RowArrays {
  obs: Float32Array;
  actions: Float32Array;
  logProbs: Float32Array;
  values: Float32Array;
  rewards: Float32Array;
  terminated: Uint8Array;
  truncated: Uint8Array;
  finalObs: Float32Array;
}

/** One rollout's arrays, grown by doubling while its steps arrive. */
class GrowingRollout {
  readonly #numEnvs: number;
  readonly #obsDim: number;
  readonly #actionDim: number;
  readonly #policyVersion: number;
  #capacity: number;
  #steps = 0;
  #globalStep = 0;
  #nextObs: Float32Array;
  #episodes: EpisodeResult[] = [];
  #arrays: RowArrays;

  constructor(first: StepBatch, capacity: number) {
    this.#numEnvs = first.numEnvs;
    this.#obsDim = first.obsDim;
    this.#actionDim = first.actionDim;
    this.#policyVersion = first.policyVersion;
    this.#capacity = capacity;
    this.#nextObs = new Float32Array(first.numEnvs * first.obsDim);
    this.#arrays = this.#allocate(capacity);
  }

  /** Copies a step into the next row; returns the number of steps held. */
  append(step: StepBatch): number {
    if (
      step.numEnvs !== this.#numEnvs || step.obsDim !== this.#obsDim || step.actionDim !== this.#actionDim
    ) {
      throw new TypeError(
        `Cannot collect rollout as step shapes changed: current value is numEnvs=${step.numEnvs}, obsDim=${step.obsDim}, actionDim=${step.actionDim}`,
      );
    }
    if (step.policyVersion !== this.#policyVersion) {
      throw new RangeError(
        `Cannot collect rollout as its steps must come from policy version ${this.#policyVersion}: current value is ${step.policyVersion}`,
      );
    }
    if (this.#steps === this.#capacity) this.#grow();
    const n = this.#numEnvs;
    const t = this.#steps;
    const a = this.#arrays;
    a.obs.set(step.obs, t * n * this.#obsDim);
    a.finalObs.set(step.finalObs, t * n * this.#obsDim);
    a.actions.set(step.actions, t * n * this.#actionDim);
    a.logProbs.set(step.logProbs, t * n);
    a.values.set(step.values, t * n);
    a.rewards.set(step.rewards, t * n);
    a.terminated.set(step.terminated, t * n);
    a.truncated.set(step.truncated, t * n);
    for (const episode of step.episodes) this.#episodes.push(episode);
    this.#nextObs.set(step.nextObs);
    this.#globalStep = step.globalStep + n;
    this.#steps = t + 1;
    return this.#steps;
  }

  /** The rollout of the steps held, as views of exactly its length. */
  rollout(): Rollout {
    const rows = this.#steps * this.#numEnvs;
    const a = this.#arrays;
    return {
      numSteps: this.#steps,
      numEnvs: this.#numEnvs,
      obsDim: this.#obsDim,
      actionDim: this.#actionDim,
      obs: a.obs.subarray(0, rows * this.#obsDim),
      actions: a.actions.subarray(0, rows * this.#actionDim),
      logProbs: a.logProbs.subarray(0, rows),
      values: a.values.subarray(0, rows),
      rewards: a.rewards.subarray(0, rows),
      terminated: a.terminated.subarray(0, rows),
      truncated: a.truncated.subarray(0, rows),
      finalObs: a.finalObs.subarray(0, rows * this.#obsDim),
      nextObs: this.#nextObs,
      episodes: this.#episodes,
      policyVersion: this.#policyVersion,
      globalStep: this.#globalStep,
    };
  }

  #grow(): void {
    const old = this.#arrays;
    this.#capacity *= 2;
    const grown = this.#allocate(this.#capacity);
    for (const key of Object.keys(old) as (keyof RowArrays)[]) {
      (grown[key] as Float32Array | Uint8Array).set(old[key]);
    }
    this.#arrays = grown;
  }

  #allocate(capacity: number): RowArrays {
    const rows = capacity * this.#numEnvs;
    return {
      obs: new Float32Array(rows * this.#obsDim),
      actions: new Float32Array(rows * this.#actionDim),
      logProbs: new Float32Array(rows),
      values: new Float32Array(rows),
      rewards: new Float32Array(rows),
      terminated: new Uint8Array(rows),
      truncated: new Uint8Array(rows),
      finalObs: new Float32Array(rows * this.#obsDim),
    };
  }
}
