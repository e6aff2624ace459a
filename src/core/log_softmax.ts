import { rowLogSumExp } from "./_categorical.ts";
import { expectLength, outputOf, rowsOf } from "./_validate.ts";

/** Options of {@linkcode logSoftmax} and `softmax`. */
export interface SoftmaxOptions {
  /** `[batch * n]` action mask: 0 excludes the entry (log-probability -Infinity, probability 0). */
  readonly mask?: ArrayLike<number>;
  /** Buffer of `[batch * n]` to write into. @default {a new Float64Array} */
  readonly out?: Float64Array;
}

/**
 * Computes row-wise log-softmax `z_j - logsumexp(z)` over rows of `n` logits, with an optional mask.
 *
 * @param logits `[batch * n]` logits.
 * @param n Row width (number of actions).
 * @param options Optional mask and output buffer.
 * @returns `[batch * n]` log-probabilities; masked entries are `-Infinity`.
 *
 * @example
 * ```ts
 * import { logSoftmax } from "./log_softmax.ts";
 * import assert from "node:assert/strict";
 *
 * const out = logSoftmax([0, 0, 5], 3, { mask: [1, 1, 0] });
 * assert.deepEqual(Array.from(out), [-Math.LN2, -Math.LN2, -Infinity]);
 * ```
 */
export function logSoftmax(logits: ArrayLike<number>, n: number, options: SoftmaxOptions = {}): Float64Array {
  const batch = rowsOf(logits.length, n, "logSoftmax", "logits");
  const { mask } = options;
  if (mask !== undefined) expectLength(mask, logits.length, "logSoftmax", "mask");
  const out = outputOf(options.out, logits.length, "logSoftmax", "out");
  for (let b = 0; b < batch; b++) {
    const offset = b * n;
    const lse = rowLogSumExp(logits, offset, n, mask, "logSoftmax");
    for (let j = 0; j < n; j++) {
      out[offset + j] = mask !== undefined && mask[offset + j] === 0 ? -Infinity : logits[offset + j]! - lse;
    }
  }
  return out;
}
