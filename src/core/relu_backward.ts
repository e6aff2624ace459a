import { expectLength, outputOf } from "./_validate.ts";

/** Options of {@linkcode reluBackward}. */
export interface ReluBackwardOptions {
  /** Buffer to write into; may be `gradOutput` itself (in place). @default {a new Float64Array} */
  readonly out?: Float64Array;
}

/**
 * Back-propagates through ReLU using its output: the gradient passes where `y > 0` and is 0 elsewhere
 * (PyTorch also gives 0 at exactly `x = 0`).
 *
 * @param output `relu(x)` from the forward pass.
 * @param gradOutput dL/dy, same length.
 * @param options Optional output buffer.
 * @returns dL/dx.
 *
 * @example
 * ```ts
 * import { reluBackward } from "./relu_backward.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(Array.from(reluBackward([0, 3], [5, 5])), [0, 5]);
 * ```
 */
export function reluBackward(
  output: ArrayLike<number>,
  gradOutput: ArrayLike<number>,
  options: ReluBackwardOptions = {},
): Float64Array {
  expectLength(gradOutput, output.length, "reluBackward", "gradOutput");
  const out = outputOf(options.out, output.length, "reluBackward", "out");
  for (let i = 0; i < output.length; i++) out[i] = output[i]! > 0 ? gradOutput[i]! : 0;
  return out;
}
