import type { GaeInput, GaeOutput } from "./gae.ts";
import { checkReturnsInput } from "./_check_returns_input.ts";

/** Options of {@linkcode tdTargets}. */
export interface TdTargetsOptions {
  /** Discount factor. @default {0.99} */
  readonly gamma?: number;
}

/**
 * One-step temporal-difference value targets, TD(0): `r_t + gamma * V(s_{t+1})`, and advantages
 * `target - V(s_t)`.
 *
 * It's like the numpy tutorial's `rewards + gamma * V(next_obs) * (1 - done)`, but with `terminated` and
 * `truncated` kept apart: a terminated step has no next value, a truncated one takes the value of its final
 * observation, and the rollout's last step the value of the observation after it. It equals GAE with lambda 0.
 *
 * @param input Rollout arrays, step-major.
 * @param options The discount.
 * @param out Optional preallocated output buffers of `numSteps * numEnvs`.
 * @returns Advantages (`returns - values`) and returns (the TD targets).
 *
 * @example One env, two steps, the first terminates
 * ```ts
 * import { tdTargets } from "./td_targets.ts";
 * import assert from "node:assert/strict";
 *
 * const { returns, advantages } = tdTargets({
 *   numSteps: 2, numEnvs: 1, rewards: [1, 1], values: [0.5, 1], terminated: [1, 0], truncated: [0, 0],
 *   finalValues: [0, 0], nextValues: [2],
 * }, { gamma: 0.5 });
 * assert.deepEqual(Array.from(returns), [1, 2]);
 * assert.deepEqual(Array.from(advantages), [0.5, 1]);
 * ```
 */
export function tdTargets(input: GaeInput, options: TdTargetsOptions = {}, out?: GaeOutput): GaeOutput {
  const { numSteps, numEnvs } = input;
  const gamma = options.gamma ?? 0.99;
  checkReturnsInput(input, gamma, "compute TD targets");
  const size = numSteps * numEnvs;
  const advantages = out?.advantages ?? new Float32Array(size);
  const returns = out?.returns ?? new Float32Array(size);
  for (let i = 0; i < size; i++) {
    let nextValue: number;
    if (input.terminated[i]! !== 0) nextValue = 0;
    else if (input.truncated[i]! !== 0) nextValue = input.finalValues[i]!;
    else if (i >= size - numEnvs) nextValue = input.nextValues[i - (size - numEnvs)]!;
    else nextValue = input.values[i + numEnvs]!;
    const target = input.rewards[i]! + gamma * nextValue;
    returns[i] = target;
    advantages[i] = target - input.values[i]!;
  }
  return { advantages, returns };
}
