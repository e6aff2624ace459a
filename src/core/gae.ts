/** Inputs of {@linkcode gae}: `[numSteps * numEnvs]` arrays in step-major order (row t holds all envs at step t). */
export interface GaeInput {
  /** Rollout length T: vector steps per env (CleanRL's `num_steps`). */
  readonly numSteps: number;
  /** Parallel environments N (CleanRL's `num_envs`). */
  readonly numEnvs: number;
  /** Reward received after each step. */
  readonly rewards: ArrayLike<number>;
  /** Critic values of the observations the actions were taken in. */
  readonly values: ArrayLike<number>;
  /** 1 where the step ended the episode in a terminal state: no bootstrap. */
  readonly terminated: ArrayLike<number>;
  /** 1 where the step cut the episode (time limit): bootstrap from `finalValues`. */
  readonly truncated: ArrayLike<number>;
  /** Value of the final observation of each truncated step (read only where `truncated` is 1). */
  readonly finalValues: ArrayLike<number>;
  /** `[numEnvs]` values of the observations after the last step, to bootstrap the rollout's end. */
  readonly nextValues: ArrayLike<number>;
}

/** Options of {@linkcode gae}. */
export interface GaeOptions {
  /** Discount factor. @default {0.99} */
  readonly gamma?: number;
  /** GAE lambda. @default {0.95} */
  readonly gaeLambda?: number;
}

/** Outputs of {@linkcode gae}. */
export interface GaeOutput {
  /** GAE(lambda) advantage of each step's action. */
  readonly advantages: Float32Array;
  /** `advantages + values`: the critic's regression targets. */
  readonly returns: Float32Array;
}

/**
 * Generalized Advantage Estimation with `terminated` and `truncated` kept apart.
 *
 * It's like CleanRL's GAE loop, but a truncated step bootstraps from the value of its final observation
 * instead of treating the cut as a terminal state. In both cases the advantage chain stops at the episode's
 * end, so nothing leaks from the next episode's first step.
 *
 * @param input Rollout arrays, step-major.
 * @param options Discount and lambda.
 * @param out Optional preallocated output buffers of `numSteps * numEnvs`.
 * @returns Advantages and returns.
 *
 * @example One env, two steps, the second terminates
 * ```ts
 * import { gae } from "./gae.ts";
 * import assert from "node:assert/strict";
 *
 * const { advantages } = gae({
 *   numSteps: 2, numEnvs: 1, rewards: [1, 1], values: [0.5, 0.5], terminated: [0, 1], truncated: [0, 0],
 *   finalValues: [0, 0], nextValues: [9],
 * }, { gamma: 0.5, gaeLambda: 1 });
 * // step 1: delta = 1 - 0.5 = 0.5; step 0: delta = 1 + 0.5 * 0.5 - 0.5 = 0.75, plus 0.5 * 0.5 = 1
 * assert.deepEqual(Array.from(advantages), [1, 0.5]);
 * ```
 */
export function gae(input: GaeInput, options: GaeOptions = {}, out?: GaeOutput): GaeOutput {
  const { numSteps, numEnvs } = input;
  const gamma = options.gamma ?? 0.99;
  const lambda = options.gaeLambda ?? 0.95;
  const size = numSteps * numEnvs;
  for (const name of ["rewards", "values", "terminated", "truncated", "finalValues"] as const) {
    if (input[name].length !== size) {
      throw new TypeError(
        `Cannot compute GAE as ${name} must have numSteps * numEnvs = ${size} elements: current value has ${
          input[name].length
        }`,
      );
    }
  }
  if (input.nextValues.length !== numEnvs) {
    throw new TypeError(
      `Cannot compute GAE as nextValues must have numEnvs = ${numEnvs} elements: current value has ${input.nextValues.length}`,
    );
  }
  const advantages = out?.advantages ?? new Float32Array(size);
  const returns = out?.returns ?? new Float32Array(size);
  for (let env = 0; env < numEnvs; env++) {
    let lastAdvantage = 0;
    for (let t = numSteps - 1; t >= 0; t--) {
      const i = t * numEnvs + env;
      const terminated = input.terminated[i]! !== 0;
      const truncated = !terminated && input.truncated[i]! !== 0;
      let nextValue: number;
      if (terminated) nextValue = 0;
      else if (truncated) nextValue = input.finalValues[i]!;
      else if (t === numSteps - 1) nextValue = input.nextValues[env]!;
      else nextValue = input.values[i + numEnvs]!;
      const delta = input.rewards[i]! + gamma * nextValue - input.values[i]!;
      lastAdvantage = delta + (terminated || truncated ? 0 : gamma * lambda * lastAdvantage);
      advantages[i] = lastAdvantage;
      returns[i] = lastAdvantage + input.values[i]!;
    }
  }
  return { advantages, returns };
}
