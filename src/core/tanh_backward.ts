import { expectLength, outputOf } from "./_validate.ts";

/** Options of {@linkcode tanhBackward}. */
export interface TanhBackwardOptions {
  /** Buffer to write into; may be `gradOutput` itself (in place). @default {a new Float64Array} */
  readonly out?: Float64Array;
}

/**
 * Back-propagates through tanh using its output: `dL/dx = dL/dy * (1 - y^2)`.
 *
 * Taking the output rather than the input lets callers keep only post-activation buffers.
 *
 * @param output `tanh(x)` from the forward pass.
 * @param gradOutput dL/dy, same length.
 * @param options Optional output buffer.
 * @returns dL/dx.
 *
 * @example
 * ```ts
 * import { tanhBackward } from "./tanh_backward.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(Array.from(tanhBackward([0, 0.5], [2, 2])), [2, 1.5]);
 * ```
 */
export function tanhBackward(
  output: ArrayLike<number>,
  gradOutput: ArrayLike<number>,
  options: TanhBackwardOptions = {},
): Float64Array {
  expectLength(gradOutput, output.length, "tanhBackward", "gradOutput");
  const out = outputOf(options.out, output.length, "tanhBackward", "out");
  for (let i = 0; i < output.length; i++) {
    const y = output[i]!;
    out[i] = gradOutput[i]! * (1 - y * y);
  }
  return out;
}
