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
  // Blocks of four rows by two outputs share their loads; every element is still the same sequential dot
  // product (inputs in order, then the bias) whatever its position, so a row's output does not depend on the
  // batch it is computed in (acting and training see bit-identical values).
  let b = 0;
  for (; b + 3 < batch; b += 4) {
    const x0 = b * inDim;
    const x1 = x0 + inDim;
    const x2 = x1 + inDim;
    const x3 = x2 + inDim;
    let o = 0;
    for (; o + 1 < outDim; o += 2) {
      const w0 = o * inDim;
      const w1 = w0 + inDim;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let t0 = 0;
      let t1 = 0;
      let t2 = 0;
      let t3 = 0;
      for (let i = 0; i < inDim; i++) {
        const u = weight[w0 + i]!;
        const v = weight[w1 + i]!;
        const a0 = input[x0 + i]!;
        const a1 = input[x1 + i]!;
        const a2 = input[x2 + i]!;
        const a3 = input[x3 + i]!;
        s0 += u * a0;
        s1 += u * a1;
        s2 += u * a2;
        s3 += u * a3;
        t0 += v * a0;
        t1 += v * a1;
        t2 += v * a2;
        t3 += v * a3;
      }
      const c = bias[o]!;
      const d = bias[o + 1]!;
      out[b * outDim + o] = s0 + c;
      out[(b + 1) * outDim + o] = s1 + c;
      out[(b + 2) * outDim + o] = s2 + c;
      out[(b + 3) * outDim + o] = s3 + c;
      out[b * outDim + o + 1] = t0 + d;
      out[(b + 1) * outDim + o + 1] = t1 + d;
      out[(b + 2) * outDim + o + 1] = t2 + d;
      out[(b + 3) * outDim + o + 1] = t3 + d;
    }
    for (; o < outDim; o++) {
      const w0 = o * inDim;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let i = 0; i < inDim; i++) {
        const u = weight[w0 + i]!;
        s0 += u * input[x0 + i]!;
        s1 += u * input[x1 + i]!;
        s2 += u * input[x2 + i]!;
        s3 += u * input[x3 + i]!;
      }
      const c = bias[o]!;
      out[b * outDim + o] = s0 + c;
      out[(b + 1) * outDim + o] = s1 + c;
      out[(b + 2) * outDim + o] = s2 + c;
      out[(b + 3) * outDim + o] = s3 + c;
    }
  }
  for (; b < batch; b++) {
    const x0 = b * inDim;
    for (let o = 0; o < outDim; o++) {
      const w0 = o * inDim;
      let s0 = 0;
      for (let i = 0; i < inDim; i++) s0 += weight[w0 + i]! * input[x0 + i]!;
      out[b * outDim + o] = s0 + bias[o]!;
    }
  }
  return out;
}
