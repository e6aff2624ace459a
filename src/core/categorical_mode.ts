import { isMasked } from "./_categorical.ts";
import type { CategoricalOptions } from "./categorical_log_prob.ts";
import { expectLength, outputOf, rowsOf } from "./_validate.ts";

/**
 * Picks the most probable allowed action per row (the first one on ties, as `torch.argmax`).
 *
 * @param logits `[batch * n]` logits.
 * @param options Number of actions, optional mask and output buffer.
 * @returns `[batch]` action indices (as floats).
 *
 * @example
 * ```ts
 * import { categoricalMode } from "./categorical_mode.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(Array.from(categoricalMode([1, 5, 3], { n: 3, mask: [1, 0, 1] })), [2]);
 * ```
 */
export function categoricalMode(logits: ArrayLike<number>, options: CategoricalOptions): Float64Array {
  const { n, mask } = options;
  const batch = rowsOf(logits.length, n, "categoricalMode", "logits");
  if (mask !== undefined) expectLength(mask, logits.length, "categoricalMode", "mask");
  const out = outputOf(options.out, batch, "categoricalMode", "out");
  for (let b = 0; b < batch; b++) {
    const offset = b * n;
    let best = -1;
    let bestLogit = -Infinity;
    for (let j = 0; j < n; j++) {
      if (isMasked(mask, offset, j)) continue;
      const z = logits[offset + j]!;
      if (best < 0 || z > bestLogit) {
        best = j;
        bestLogit = z;
      }
    }
    if (best < 0) {
      throw new RangeError(
        `Cannot run categoricalMode as the action mask allows no action in row ${b}: current value is all zeros`,
      );
    }
    out[b] = best;
  }
  return out;
}
