import { expectLength, outputOf, rowsOf } from "./_validate.ts";

/** Options shared by the diagonal Gaussian functions. */
export interface GaussianOptions {
  /** `[dim]` state-independent log standard deviations (learned or fixed); `dim` is its length. */
  readonly logStd: ArrayLike<number>;
  /** Buffer to write into. @default {a new Float64Array} */
  readonly out?: Float64Array;
}

const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);

/**
 * Computes the log-density of a diagonal Gaussian `N(mean, exp(logStd)^2)`, summed over action dimensions
 * (as CleanRL's `probs.log_prob(action).sum(1)`).
 *
 * @param means `[batch * dim]` means.
 * @param actions `[batch * dim]` actions (unclipped).
 * @param options The log-std and an optional `[batch]` output buffer.
 * @returns `[batch]` log-densities.
 *
 * @example
 * ```ts
 * import { gaussianLogProb } from "./gaussian_log_prob.ts";
 * import assert from "node:assert/strict";
 *
 * // Standard normal at its mean: -0.5 log(2 pi).
 * const logProbs = gaussianLogProb([0], [0], { logStd: [0] });
 * assert.equal(logProbs[0], -0.5 * Math.log(2 * Math.PI));
 * ```
 */
export function gaussianLogProb(
  means: ArrayLike<number>,
  actions: ArrayLike<number>,
  options: GaussianOptions,
): Float64Array {
  const { logStd } = options;
  const dim = logStd.length;
  const batch = rowsOf(means.length, dim, "gaussianLogProb", "means");
  expectLength(actions, means.length, "gaussianLogProb", "actions");
  const out = outputOf(options.out, batch, "gaussianLogProb", "out");
  for (let b = 0; b < batch; b++) {
    let sum = 0;
    for (let d = 0; d < dim; d++) {
      const s = logStd[d]!;
      const std = Math.exp(s);
      const diff = actions[b * dim + d]! - means[b * dim + d]!;
      sum += -(diff * diff) / (2 * std * std) - s - HALF_LOG_TWO_PI;
    }
    out[b] = sum;
  }
  return out;
}
