import { actionAt, rowLogSumExp } from "./_categorical.ts";
import { expectLength, outputOf, rowsOf } from "./_validate.ts";

/** Options shared by the categorical functions. */
export interface CategoricalOptions {
  /** Number of actions (row width of `logits`). */
  readonly n: number;
  /** `[batch * n]` action mask: 0 means the action has probability 0 and is never sampled. */
  readonly mask?: ArrayLike<number>;
  /** Buffer of `[batch]` to write into. @default {a new Float64Array} */
  readonly out?: Float64Array;
}

/**
 * Computes `log p(a)` of a Categorical distribution over logits for each row's action.
 *
 * @param logits `[batch * n]` logits.
 * @param actions `[batch]` action indices (integers; a masked action throws).
 * @param options Number of actions, optional mask and output buffer.
 * @returns `[batch]` log-probabilities.
 *
 * @example
 * ```ts
 * import { categoricalLogProb } from "./categorical_log_prob.ts";
 * import assert from "node:assert/strict";
 *
 * const logProbs = categoricalLogProb([0, 0, 0, 0], [3], { n: 4 });
 * assert.equal(logProbs[0], -Math.log(4));
 * ```
 */
export function categoricalLogProb(
  logits: ArrayLike<number>,
  actions: ArrayLike<number>,
  options: CategoricalOptions,
): Float64Array {
  const { n, mask } = options;
  const batch = rowsOf(logits.length, n, "categoricalLogProb", "logits");
  expectLength(actions, batch, "categoricalLogProb", "actions");
  if (mask !== undefined) expectLength(mask, logits.length, "categoricalLogProb", "mask");
  const out = outputOf(options.out, batch, "categoricalLogProb", "out");
  for (let b = 0; b < batch; b++) {
    const a = actionAt(actions, b, n, mask, "categoricalLogProb");
    out[b] = logits[b * n + a]! - rowLogSumExp(logits, b * n, n, mask, "categoricalLogProb");
  }
  return out;
}
