import { expectLength, outputOf, rowsOf } from "./_validate.ts";

/**
 * A dense (fully connected) layer's parameters, laid out as PyTorch's `nn.Linear`: `weight` is row-major
 * `[outDim, inDim]` and `bias` is `[outDim]`. Any array-like works; pass Float64Arrays for an exact oracle.
 */
export interface DenseLayer {
  /** Row-major `[outDim, inDim]` weights. */
  readonly weight: ArrayLike<number>;
  /** `[outDim]` biases. */
  readonly bias: ArrayLike<number>;
  /** Input features per row. */
  readonly inDim: number;
  /** Output features per row. */
  readonly outDim: number;
}

const ROW_TILE = 32;

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
  // Tiles of rows keep their inputs in cache while each weight row is reused across the tile, four rows at a
  // time. Every element is the same sequential dot product whatever its row's position, so a row's output does
  // not depend on the batch it is computed in (acting and training see bit-identical values).
  for (let tileStart = 0; tileStart < batch; tileStart += ROW_TILE) {
    const tileEnd = Math.min(batch, tileStart + ROW_TILE);
    for (let o = 0; o < outDim; o++) {
      const w = o * inDim;
      const biasValue = bias[o]!;
      let b = tileStart;
      for (; b + 3 < tileEnd; b += 4) {
        const x0 = b * inDim;
        const x1 = x0 + inDim;
        const x2 = x1 + inDim;
        const x3 = x2 + inDim;
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        for (let i = 0; i < inDim; i++) {
          const wi = weight[w + i]!;
          s0 += wi * input[x0 + i]!;
          s1 += wi * input[x1 + i]!;
          s2 += wi * input[x2 + i]!;
          s3 += wi * input[x3 + i]!;
        }
        out[b * outDim + o] = s0 + biasValue;
        out[(b + 1) * outDim + o] = s1 + biasValue;
        out[(b + 2) * outDim + o] = s2 + biasValue;
        out[(b + 3) * outDim + o] = s3 + biasValue;
      }
      for (; b < tileEnd; b++) {
        const x0 = b * inDim;
        let s0 = 0;
        for (let i = 0; i < inDim; i++) s0 += weight[w + i]! * input[x0 + i]!;
        out[b * outDim + o] = s0 + biasValue;
      }
    }
  }
  return out;
}
