import { outputOf } from "./_validate.ts";

/** Options of {@linkcode reluForward}. */
export interface ReluForwardOptions {
  /** Buffer to write into; may be `input` itself (in place). @default {a new Float64Array} */
  readonly out?: Float64Array;
}

/**
 * Applies `max(x, 0)` element-wise.
 *
 * @param input Pre-activations.
 * @param options Optional output buffer.
 * @returns `relu(input)`.
 *
 * @example
 * ```ts
 * import { reluForward } from "./relu_forward.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(Array.from(reluForward([-1, 0, 2])), [0, 0, 2]);
 * ```
 */
export function reluForward(input: ArrayLike<number>, options: ReluForwardOptions = {}): Float64Array {
  const out = outputOf(options.out, input.length, "reluForward", "out");
  for (let i = 0; i < input.length; i++) {
    const x = input[i]!;
    out[i] = x > 0 ? x : 0;
  }
  return out;
}
