import type { GaeInput, GaeOutput } from "./gae.ts";
import { checkReturnsInput } from "./_check_returns_input.ts";

/** Options of {@linkcode rewardsToGo}. */
export interface RewardsToGoOptions {
  /** Discount factor. @default {0.99} */
  readonly gamma?: number;
  /**
   * Add the discounted value of the final observation where an episode was truncated, and of the next
   * observation at the rollout's end, as the library's GAE does; false sums only the rewards collected (the
   * PyTorch tutorial's rewards-to-go over whole episodes). A terminated episode never bootstraps.
   * @default {true}
   */
  readonly bootstrap?: boolean;
}

/**
 * Monte-Carlo returns ("rewards-to-go") with `terminated` and `truncated` kept apart:
 * `G_t = r_t + gamma * G_{t+1}` within an episode, and advantages `G_t - V(s_t)`.
 *
 * It's like the discounted cumulative sum of each episode's rewards, reversed, but a truncated episode and the
 * rollout's unfinished end continue from a value estimate (with `bootstrap`), so a cut is not mistaken for a
 * terminal state. With `bootstrap` it equals GAE with lambda 1.
 *
 * @param input Rollout arrays, step-major; `finalValues` and `nextValues` are read only with `bootstrap`.
 * @param options Discount and bootstrapping.
 * @param out Optional preallocated output buffers of `numSteps * numEnvs`.
 * @returns Advantages (`returns - values`) and returns.
 *
 * @example One env, three steps, the last terminates
 * ```ts
 * import { rewardsToGo } from "./rewards_to_go.ts";
 * import assert from "node:assert/strict";
 *
 * const { returns, advantages } = rewardsToGo({
 *   numSteps: 3, numEnvs: 1, rewards: [1, 1, 1], values: [0, 0, 1], terminated: [0, 0, 1], truncated: [0, 0, 0],
 *   finalValues: [0, 0, 0], nextValues: [9],
 * }, { gamma: 0.5 });
 * assert.deepEqual(Array.from(returns), [1.75, 1.5, 1]);
 * assert.deepEqual(Array.from(advantages), [1.75, 1.5, 0]);
 * ```
 */
export function rewardsToGo(input: GaeInput, options: RewardsToGoOptions = {}, out?: GaeOutput): GaeOutput {
  const { numSteps, numEnvs } = input;
  const gamma = options.gamma ?? 0.99;
  const bootstrap = options.bootstrap ?? true;
  checkReturnsInput(input, gamma, "compute rewards-to-go");
  const size = numSteps * numEnvs;
  const advantages = out?.advantages ?? new Float32Array(size);
  const returns = out?.returns ?? new Float32Array(size);
  for (let env = 0; env < numEnvs; env++) {
    // The return of the step after t within t's episode (float64: a long episode adds many rewards).
    let next = bootstrap ? input.nextValues[env]! : 0;
    for (let t = numSteps - 1; t >= 0; t--) {
      const i = t * numEnvs + env;
      if (input.terminated[i]! !== 0) next = 0;
      else if (input.truncated[i]! !== 0) next = bootstrap ? input.finalValues[i]! : 0;
      next = input.rewards[i]! + gamma * next;
      returns[i] = next;
      advantages[i] = next - input.values[i]!;
    }
  }
  return { advantages, returns };
}
