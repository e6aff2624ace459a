import { isMasked, rowLogSumExp } from "./_categorical.ts";
import type { CategoricalOptions } from "./categorical_log_prob.ts";
import { expectLength, outputOf, rowsOf } from "./_validate.ts";

/**
 * Computes the entropy `-sum_j p_j log p_j` of a Categorical distribution per row; masked actions have
 * `p_j = 0` and contribute nothing.
 *
 * @param logits `[batch * n]` logits.
 * @param options Number of actions, optional mask and output buffer.
 * @returns `[batch]` entropies in nats.
 *
 * @example
 * ```ts
 * import { categoricalEntropy } from "./categorical_entropy.ts";
 * import assert from "node:assert/strict";
 *
 * // Two allowed actions with equal logits: log 2, whatever the masked third logit is.
 * const entropy = categoricalEntropy([1, 1, 50], { n: 3, mask: [1, 1, 0] });
 * assert.ok(Math.abs(entropy[0]! - Math.LN2) < 1e-15);
 * ```
 */
export function categoricalEntropy(logits: ArrayLike<number>, options: CategoricalOptions): Float64Array {
  const { n, mask } = options;
  const batch = rowsOf(logits.length, n, "categoricalEntropy", "logits");
  if (mask !== undefined) expectLength(mask, logits.length, "categoricalEntropy", "mask");
  const out = outputOf(options.out, batch, "categoricalEntropy", "out");
  for (let b = 0; b < batch; b++) {
    const offset = b * n;
    const lse = rowLogSumExp(logits, offset, n, mask, "categoricalEntropy");
    let entropy = 0;
    for (let j = 0; j < n; j++) {
      if (isMasked(mask, offset, j)) continue;
      const logP = logits[offset + j]! - lse;
      entropy -= Math.exp(logP) * logP;
    }
    out[b] = entropy;
  }
  return out;
}
