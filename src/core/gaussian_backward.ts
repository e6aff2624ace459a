import { expectLength, rowsOf } from "./_validate.ts";

/** Options of {@linkcode gaussianBackward}. */
export interface GaussianBackwardOptions {
  /** `[dim]` log standard deviations. */
  readonly logStd: ArrayLike<number>;
  /** `[batch]` dL/d(log p(a_b)). @default {zeros} */
  readonly gradLogProbs?: ArrayLike<number>;
  /** `[batch]` dL/d(entropy_b). @default {zeros} */
  readonly gradEntropy?: ArrayLike<number>;
  /** Buffer of `[batch * dim]` for dL/dmeans. @default {a new Float64Array} */
  readonly gradMeans?: Float64Array;
  /** Buffer of `[dim]` for dL/dlogStd. @default {a new Float64Array} */
  readonly gradLogStd?: Float64Array;
}

/** Gradients of a diagonal Gaussian head. */
export interface GaussianGradients {
  /** `[batch * dim]` dL/dmeans. */
  readonly gradMeans: Float64Array;
  /** `[dim]` dL/dlogStd, summed over rows. */
  readonly gradLogStd: Float64Array;
}

/**
 * Back-propagates per-row gradients of the log-density and of the entropy to the means and the
 * (state-independent) log-std of a diagonal Gaussian.
 *
 * With `s = logStd`, `r = (a - mean) / exp(s)`: `d log p / d mean = r / exp(s)`, `d log p / ds = r^2 - 1`
 * and `dH / ds = 1`; the log-std gradient sums over rows because every row shares it.
 *
 * @param means `[batch * dim]` means.
 * @param actions `[batch * dim]` actions.
 * @param options The log-std, upstream gradients and optional output buffers.
 * @returns dL/dmeans and dL/dlogStd.
 *
 * @example
 * ```ts
 * import { gaussianBackward } from "./gaussian_backward.ts";
 * import assert from "node:assert/strict";
 *
 * // Standard normal, action one std above the mean: d/dmean = 1, d/dlogStd = 1^2 - 1 = 0.
 * const grads = gaussianBackward([0], [1], { logStd: [0], gradLogProbs: [1] });
 * assert.deepEqual([grads.gradMeans[0], grads.gradLogStd[0]], [1, 0]);
 * ```
 */
export function gaussianBackward(
  means: ArrayLike<number>,
  actions: ArrayLike<number>,
  options: GaussianBackwardOptions,
): GaussianGradients {
  const { logStd, gradLogProbs, gradEntropy } = options;
  const dim = logStd.length;
  const batch = rowsOf(means.length, dim, "gaussianBackward", "means");
  expectLength(actions, means.length, "gaussianBackward", "actions");
  if (gradLogProbs !== undefined) expectLength(gradLogProbs, batch, "gaussianBackward", "gradLogProbs");
  if (gradEntropy !== undefined) expectLength(gradEntropy, batch, "gaussianBackward", "gradEntropy");
  const gradMeans = options.gradMeans ?? new Float64Array(means.length);
  expectLength(gradMeans, means.length, "gaussianBackward", "gradMeans");
  const gradLogStd = options.gradLogStd ?? new Float64Array(dim);
  expectLength(gradLogStd, dim, "gaussianBackward", "gradLogStd");
  gradLogStd.fill(0);
  let entropyTotal = 0;
  for (let b = 0; b < batch; b++) {
    const gLogProb = gradLogProbs === undefined ? 0 : gradLogProbs[b]!;
    if (gradEntropy !== undefined) entropyTotal += gradEntropy[b]!;
    for (let d = 0; d < dim; d++) {
      const i = b * dim + d;
      const std = Math.exp(logStd[d]!);
      const z = (actions[i]! - means[i]!) / std;
      gradMeans[i] = gLogProb * z / std;
      gradLogStd[d] = gradLogStd[d]! + gLogProb * (z * z - 1);
    }
  }
  for (let d = 0; d < dim; d++) gradLogStd[d] = gradLogStd[d]! + entropyTotal;
  return { gradMeans, gradLogStd };
}
