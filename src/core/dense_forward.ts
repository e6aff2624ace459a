import { expectLength, outputOf, rowsOf } from "./_validate.ts";

/**
 * A dense (fully connected) layer's parameters, laid out as PyTorch's `nn.Linear`: `weight` is row-major
 * `[outDim, inDim]` and `bias` is `[outDim]`. Any array-like works; pass Float64Arrays for an exact oracle.
 */
export interface DenseLayer {
  readonly weight: ArrayLike<number>;
  readonly bias: ArrayLike<number>;
  readonly inDim: number;
  readonly outDim: number;
}

/** Options of {@linkcode denseForward}. */
export interface DenseForwardOptions {
  /** Buffer of `[batch * outDim]` to write into (must not alias `input`). @default {a new Float64Array} */
  readonly out?: Float64Array;
}

/**
 * Computes `y = x W^T + b` for a batch of row vectors, accumulating in float64.
 *
 * Each output element is one dot product in a fixed order, so a row's result never depends on the batch it
 * is part of (acting and training on the same observation give bit-identical outputs).
 *
 * @param input `[batch * inDim]` row-major inputs.
 * @param layer The layer's weight `[outDim, inDim]`, bias `[outDim]` and sizes.
 * @param options Optional output buffer.
 * @returns `[batch * outDim]` outputs.
 *
 * @example
 * ```ts
 * import { denseForward } from "./dense_forward.ts";
 * import assert from "node:assert/strict";
 *
 * // One row x = [1, 2]; W = [[1, 0], [1, 1]], b = [0, 0.5].
 * const y = denseForward([1, 2], { weight: [1, 0, 1, 1], bias: [0, 0.5], inDim: 2, outDim: 2 });
 * assert.deepEqual(Array.from(y), [1, 3.5]);
 * ```
 */
export function denseForward(
  input: ArrayLike<number>,
  layer: DenseLayer,
  options: DenseForwardOptions = {},
): Float64Array {
  const { weight, bias, inDim, outDim } = layer;
  const batch = rowsOf(input.length, inDim, "denseForward", "input");
  expectLength(weight, outDim * inDim, "denseForward", "weight");
  expectLength(bias, outDim, "denseForward", "bias");
  const out = outputOf(options.out, batch * outDim, "denseForward", "out");
  for (let b = 0; b < batch; b++) {
    const inputOffset = b * inDim;
    const outOffset = b * outDim;
    for (let o = 0; o < outDim; o++) {
      const weightOffset = o * inDim;
      let sum = 0;
      for (let i = 0; i < inDim; i++) sum += weight[weightOffset + i]! * input[inputOffset + i]!;
      out[outOffset + o] = sum + bias[o]!;
    }
  }
  return out;
}
