import { actionAt, isMasked, rowLogSumExp } from "./_categorical.ts";
import { expectLength, outputOf, rowsOf } from "./_validate.ts";

/** Options of {@linkcode categoricalBackward}. */
export interface CategoricalBackwardOptions {
  /** Number of actions. */
  readonly n: number;
  /** `[batch]` dL/d(log p(a_b)). @default {zeros} */
  readonly gradLogProbs?: ArrayLike<number>;
  /** `[batch]` dL/d(entropy_b). @default {zeros} */
  readonly gradEntropy?: ArrayLike<number>;
  /** `[batch * n]` action mask (0 = excluded); masked logits get gradient 0. */
  readonly mask?: ArrayLike<number>;
  /** Buffer of `[batch * n]` for dL/dlogits. @default {a new Float64Array} */
  readonly out?: Float64Array;
}

/**
 * Back-propagates per-row gradients of the log-probability of the taken action and of the entropy to the
 * logits of a Categorical distribution.
 *
 * With `p = softmax(z)` and `H = -sum p log p`: `d log p_a / dz_j = [j = a] - p_j` and
 * `dH / dz_j = -p_j (log p_j + H)`.
 *
 * @param logits `[batch * n]` logits.
 * @param actions `[batch]` taken actions.
 * @param options Upstream gradients, mask and output buffer.
 * @returns `[batch * n]` dL/dlogits.
 *
 * @example
 * ```ts
 * import { categoricalBackward } from "./categorical_backward.ts";
 * import assert from "node:assert/strict";
 *
 * // Uniform over 2 actions, action 0 taken: d log p_0 / dz = [1 - 0.5, -0.5].
 * const grad = categoricalBackward([0, 0], [0], { n: 2, gradLogProbs: [1] });
 * assert.deepEqual(Array.from(grad), [0.5, -0.5]);
 * ```
 */
export function categoricalBackward(
  logits: ArrayLike<number>,
  actions: ArrayLike<number>,
  options: CategoricalBackwardOptions,
): Float64Array {
  const { n, mask, gradLogProbs, gradEntropy } = options;
  const batch = rowsOf(logits.length, n, "categoricalBackward", "logits");
  expectLength(actions, batch, "categoricalBackward", "actions");
  if (mask !== undefined) expectLength(mask, logits.length, "categoricalBackward", "mask");
  if (gradLogProbs !== undefined) expectLength(gradLogProbs, batch, "categoricalBackward", "gradLogProbs");
  if (gradEntropy !== undefined) expectLength(gradEntropy, batch, "categoricalBackward", "gradEntropy");
  const out = outputOf(options.out, logits.length, "categoricalBackward", "out");
  for (let b = 0; b < batch; b++) {
    const offset = b * n;
    const a = actionAt(actions, b, n, mask, "categoricalBackward");
    const lse = rowLogSumExp(logits, offset, n, mask, "categoricalBackward");
    const gLogProb = gradLogProbs === undefined ? 0 : gradLogProbs[b]!;
    const gEntropy = gradEntropy === undefined ? 0 : gradEntropy[b]!;
    let entropy = 0;
    if (gEntropy !== 0) {
      for (let j = 0; j < n; j++) {
        if (isMasked(mask, offset, j)) continue;
        const logP = logits[offset + j]! - lse;
        entropy -= Math.exp(logP) * logP;
      }
    }
    for (let j = 0; j < n; j++) {
      if (isMasked(mask, offset, j)) {
        out[offset + j] = 0;
        continue;
      }
      const logP = logits[offset + j]! - lse;
      const p = Math.exp(logP);
      out[offset + j] = gLogProb * ((j === a ? 1 : 0) - p) - gEntropy * p * (logP + entropy);
    }
  }
  return out;
}
