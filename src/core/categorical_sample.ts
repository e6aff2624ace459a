import { isMasked, rowLogSumExp } from "./_categorical.ts";
import type { CategoricalOptions } from "./categorical_log_prob.ts";
import { expectLength, outputOf, rowsOf } from "./_validate.ts";

/**
 * Samples one action per row from a Categorical distribution by inverse CDF: the smallest allowed action
 * `a` with `u < p_0 + ... + p_a`. Masked actions are skipped, so they are never chosen whatever `u` is.
 *
 * Taking the uniforms as input (instead of a generator) lets every backend draw the same actions from the
 * same pre-drawn noise.
 *
 * @param logits `[batch * n]` logits.
 * @param uniforms `[batch]` uniforms in [0, 1).
 * @param options Number of actions, optional mask and output buffer.
 * @returns `[batch]` action indices (as floats).
 *
 * @example
 * ```ts
 * import { categoricalSample } from "./categorical_sample.ts";
 * import assert from "node:assert/strict";
 *
 * // p = [0.5, 0.5, 0 (masked)]: u = 0.2 falls in action 0, u = 0.7 and u close to 1 in action 1.
 * const logits = [0, 0, 9, 0, 0, 9, 0, 0, 9];
 * const actions = categoricalSample(logits, [0.2, 0.7, 0.9999999], { n: 3, mask: [1, 1, 0, 1, 1, 0, 1, 1, 0] });
 * assert.deepEqual(Array.from(actions), [0, 1, 1]);
 * ```
 */
export function categoricalSample(
  logits: ArrayLike<number>,
  uniforms: ArrayLike<number>,
  options: CategoricalOptions,
): Float64Array {
  const { n, mask } = options;
  const batch = rowsOf(logits.length, n, "categoricalSample", "logits");
  expectLength(uniforms, batch, "categoricalSample", "uniforms");
  if (mask !== undefined) expectLength(mask, logits.length, "categoricalSample", "mask");
  const out = outputOf(options.out, batch, "categoricalSample", "out");
  for (let b = 0; b < batch; b++) {
    const u = uniforms[b]!;
    if (!(u >= 0 && u < 1)) {
      throw new RangeError(
        `Cannot run categoricalSample as uniforms must lie in [0, 1): current value in row ${b} is ${u}`,
      );
    }
    const offset = b * n;
    const lse = rowLogSumExp(logits, offset, n, mask, "categoricalSample");
    let cumulative = 0;
    let chosen = -1;
    let lastPositive = -1;
    for (let j = 0; j < n; j++) {
      if (isMasked(mask, offset, j)) continue;
      const p = Math.exp(logits[offset + j]! - lse);
      if (p > 0) lastPositive = j;
      cumulative += p;
      if (u < cumulative) {
        chosen = j;
        break;
      }
    }
    // Rounding can leave the total just under 1; u beyond it belongs to the last action with mass.
    out[b] = chosen >= 0 ? chosen : lastPositive;
  }
  return out;
}
