import { outputOf } from "./_validate.ts";

/** Options of {@linkcode tanhForward}. */
export interface TanhForwardOptions {
  /** Buffer to write into; may be `input` itself (in place). @default {a new Float64Array} */
  readonly out?: Float64Array;
}

/**
 * Applies tanh element-wise.
 *
 * @param input Pre-activations.
 * @param options Optional output buffer.
 * @returns `tanh(input)`.
 *
 * @example
 * ```ts
 * import { tanhForward } from "./tanh_forward.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(Array.from(tanhForward([0, Infinity])), [0, 1]);
 * ```
 */
export function tanhForward(input: ArrayLike<number>, options: TanhForwardOptions = {}): Float64Array {
  const out = outputOf(options.out, input.length, "tanhForward", "out");
  for (let i = 0; i < input.length; i++) out[i] = Math.tanh(input[i]!);
  return out;
}
