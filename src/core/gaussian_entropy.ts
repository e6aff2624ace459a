/**
 * Computes the entropy of a diagonal Gaussian with state-independent log-std, summed over dimensions:
 * `sum_d (0.5 + 0.5 log(2 pi) + logStd_d)`. It is the same for every observation.
 *
 * @param logStd `[dim]` log standard deviations.
 * @returns The entropy in nats of one action.
 *
 * @example
 * ```ts
 * import { gaussianEntropy } from "./gaussian_entropy.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(gaussianEntropy([0]), 0.5 + 0.5 * Math.log(2 * Math.PI));
 * ```
 */
export function gaussianEntropy(logStd: ArrayLike<number>): number {
  let sum = 0;
  for (let d = 0; d < logStd.length; d++) sum += 0.5 + 0.5 * Math.log(2 * Math.PI) + logStd[d]!;
  return sum;
}
