import { isMasked, rowLogSumExp } from "./_categorical.ts";
import type { SoftmaxOptions } from "./log_softmax.ts";
import { expectLength, outputOf, rowsOf } from "./_validate.ts";

/**
 * Computes row-wise softmax over rows of `n` logits, with an optional mask (masked entries get 0).
 *
 * @param logits `[batch * n]` logits.
 * @param n Row width (number of actions).
 * @param options Optional mask and output buffer.
 * @returns `[batch * n]` probabilities; each row sums to 1 over its unmasked entries.
 *
 * @example
 * ```ts
 * import { softmax } from "./softmax.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(Array.from(softmax([1, 1, 9], 3, { mask: [1, 1, 0] })), [0.5, 0.5, 0]);
 * ```
 */
export function softmax(logits: ArrayLike<number>, n: number, options: SoftmaxOptions = {}): Float64Array {
  const batch = rowsOf(logits.length, n, "softmax", "logits");
  const { mask } = options;
  if (mask !== undefined) expectLength(mask, logits.length, "softmax", "mask");
  const out = outputOf(options.out, logits.length, "softmax", "out");
  for (let b = 0; b < batch; b++) {
    const offset = b * n;
    // log-sum-exp validates the row (finite, some action allowed); the max shift keeps ties exact.
    rowLogSumExp(logits, offset, n, mask, "softmax");
    let max = -Infinity;
    for (let j = 0; j < n; j++) if (!isMasked(mask, offset, j)) max = Math.max(max, logits[offset + j]!);
    let sum = 0;
    for (let j = 0; j < n; j++) {
      const e = isMasked(mask, offset, j) ? 0 : Math.exp(logits[offset + j]! - max);
      out[offset + j] = e;
      sum += e;
    }
    for (let j = 0; j < n; j++) out[offset + j] = out[offset + j]! / sum;
  }
  return out;
}
