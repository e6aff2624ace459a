import { expectLength, rowsOf } from "./_validate.ts";
import type { DenseLayer } from "./dense_forward.ts";

/** Options of {@linkcode denseBackward}. */
export interface DenseBackwardOptions {
  /** The layer the forward pass used. */
  readonly layer: DenseLayer;
  /** Whether to compute the gradient with respect to the input (not needed for a first layer). @default {true} */
  readonly computeGradInput?: boolean;
  /** Buffer of `[batch * inDim]` for the input gradient. @default {a new Float64Array} */
  readonly gradInput?: Float64Array;
  /** Buffer of `[outDim * inDim]` for the weight gradient. @default {a new Float64Array} */
  readonly gradWeight?: Float64Array;
  /** Buffer of `[outDim]` for the bias gradient. @default {a new Float64Array} */
  readonly gradBias?: Float64Array;
  /**
   * Add into the given buffers instead of overwriting them, for a tensor that feeds two consumers (a shared
   * trunk's output reaches both the policy and the value head).
   * @default {false}
   */
  readonly accumulate?: boolean;
}

/** Gradients of a dense layer; `gradInput` is null when it was not asked for. */
export interface DenseGradients {
  /** `[batch * inDim]` dL/dinput, or null when not computed. */
  readonly gradInput: Float64Array | null;
  /** `[outDim * inDim]` dL/dweight. */
  readonly gradWeight: Float64Array;
  /** `[outDim]` dL/dbias. */
  readonly gradBias: Float64Array;
}

/**
 * Back-propagates through `y = x W^T + b`: given dL/dy, returns dL/dx, dL/dW and dL/db (float64).
 *
 * @param input `[batch * inDim]` inputs of the forward pass.
 * @param gradOutput `[batch * outDim]` gradient of the loss with respect to the outputs.
 * @param options The layer, optional output buffers and accumulation.
 * @returns The input, weight and bias gradients.
 *
 * @example
 * ```ts
 * import { denseBackward } from "./dense_backward.ts";
 * import assert from "node:assert/strict";
 *
 * const layer = { weight: [2, 3], bias: [0], inDim: 2, outDim: 1 };
 * const grads = denseBackward([1, -1], [0.5], { layer });
 * assert.deepEqual(Array.from(grads.gradWeight), [0.5, -0.5]); // dL/dW = g x
 * assert.deepEqual(Array.from(grads.gradInput!), [1, 1.5]); // dL/dx = g W
 * assert.deepEqual(Array.from(grads.gradBias), [0.5]);
 * ```
 */
export function denseBackward(
  input: ArrayLike<number>,
  gradOutput: ArrayLike<number>,
  options: DenseBackwardOptions,
): DenseGradients {
  const { layer, accumulate = false, computeGradInput = true } = options;
  const { weight, inDim, outDim } = layer;
  const batch = rowsOf(input.length, inDim, "denseBackward", "input");
  expectLength(gradOutput, batch * outDim, "denseBackward", "gradOutput");
  expectLength(weight, outDim * inDim, "denseBackward", "weight");
  const gradWeight = buffer(options.gradWeight, outDim * inDim, "gradWeight", accumulate);
  const gradBias = buffer(options.gradBias, outDim, "gradBias", accumulate);
  const gradInput = computeGradInput
    ? buffer(options.gradInput, batch * inDim, "gradInput", accumulate)
    : null;
  // Every sum runs in a register over the same index order as the textbook loop (rows ascending for the weight
  // and bias gradients, outputs ascending for the input gradient), starting from the buffer's value, so the
  // results do not depend on the blocking: blocks of two and four only cut the loads per multiply-add.
  weightGradients(input, gradOutput, gradWeight, gradBias, batch, inDim, outDim);
  if (gradInput !== null) inputGradients(weight, gradOutput, gradInput, batch, inDim, outDim);
  return { gradInput, gradWeight, gradBias };
}

function buffer(
  given: Float64Array | undefined,
  length: number,
  name: string,
  accumulate: boolean,
): Float64Array {
  if (given === undefined) return new Float64Array(length);
  expectLength(given, length, "denseBackward", name);
  if (!accumulate) given.fill(0);
  return given;
}

/** `gradWeight[o, i] += sum_b g[b, o] x[b, i]` and `gradBias[o] += sum_b g[b, o]`, over rows in order. */
function weightGradients(
  input: ArrayLike<number>,
  gradOutput: ArrayLike<number>,
  gradWeight: Float64Array,
  gradBias: Float64Array,
  batch: number,
  inDim: number,
  outDim: number,
): void {
  let o = 0;
  for (; o + 1 < outDim; o += 2) {
    const w0 = o * inDim;
    const w1 = w0 + inDim;
    let i = 0;
    for (; i + 3 < inDim; i += 4) {
      let a0 = gradWeight[w0 + i]!;
      let a1 = gradWeight[w0 + i + 1]!;
      let a2 = gradWeight[w0 + i + 2]!;
      let a3 = gradWeight[w0 + i + 3]!;
      let c0 = gradWeight[w1 + i]!;
      let c1 = gradWeight[w1 + i + 1]!;
      let c2 = gradWeight[w1 + i + 2]!;
      let c3 = gradWeight[w1 + i + 3]!;
      for (let b = 0; b < batch; b++) {
        const g0 = gradOutput[b * outDim + o]!;
        const g1 = gradOutput[b * outDim + o + 1]!;
        const x = b * inDim + i;
        const x0 = input[x]!;
        const x1 = input[x + 1]!;
        const x2 = input[x + 2]!;
        const x3 = input[x + 3]!;
        a0 += g0 * x0;
        a1 += g0 * x1;
        a2 += g0 * x2;
        a3 += g0 * x3;
        c0 += g1 * x0;
        c1 += g1 * x1;
        c2 += g1 * x2;
        c3 += g1 * x3;
      }
      gradWeight[w0 + i] = a0;
      gradWeight[w0 + i + 1] = a1;
      gradWeight[w0 + i + 2] = a2;
      gradWeight[w0 + i + 3] = a3;
      gradWeight[w1 + i] = c0;
      gradWeight[w1 + i + 1] = c1;
      gradWeight[w1 + i + 2] = c2;
      gradWeight[w1 + i + 3] = c3;
    }
    for (; i < inDim; i++) {
      let a = gradWeight[w0 + i]!;
      let c = gradWeight[w1 + i]!;
      for (let b = 0; b < batch; b++) {
        const x = input[b * inDim + i]!;
        a += gradOutput[b * outDim + o]! * x;
        c += gradOutput[b * outDim + o + 1]! * x;
      }
      gradWeight[w0 + i] = a;
      gradWeight[w1 + i] = c;
    }
  }
  for (; o < outDim; o++) {
    const w0 = o * inDim;
    for (let i = 0; i < inDim; i++) {
      let a = gradWeight[w0 + i]!;
      for (let b = 0; b < batch; b++) a += gradOutput[b * outDim + o]! * input[b * inDim + i]!;
      gradWeight[w0 + i] = a;
    }
  }
  for (let k = 0; k < outDim; k++) {
    let sum = gradBias[k]!;
    for (let b = 0; b < batch; b++) sum += gradOutput[b * outDim + k]!;
    gradBias[k] = sum;
  }
}

/** `gradInput[b, i] += sum_o g[b, o] W[o, i]`, over outputs in order. */
function inputGradients(
  weight: ArrayLike<number>,
  gradOutput: ArrayLike<number>,
  gradInput: Float64Array,
  batch: number,
  inDim: number,
  outDim: number,
): void {
  let b = 0;
  for (; b + 1 < batch; b += 2) {
    const r0 = b * inDim;
    const r1 = r0 + inDim;
    const g0 = b * outDim;
    const g1 = g0 + outDim;
    let i = 0;
    for (; i + 3 < inDim; i += 4) {
      let a0 = gradInput[r0 + i]!;
      let a1 = gradInput[r0 + i + 1]!;
      let a2 = gradInput[r0 + i + 2]!;
      let a3 = gradInput[r0 + i + 3]!;
      let c0 = gradInput[r1 + i]!;
      let c1 = gradInput[r1 + i + 1]!;
      let c2 = gradInput[r1 + i + 2]!;
      let c3 = gradInput[r1 + i + 3]!;
      for (let o = 0; o < outDim; o++) {
        const w = o * inDim + i;
        const w0 = weight[w]!;
        const w1 = weight[w + 1]!;
        const w2 = weight[w + 2]!;
        const w3 = weight[w + 3]!;
        const h0 = gradOutput[g0 + o]!;
        const h1 = gradOutput[g1 + o]!;
        a0 += h0 * w0;
        a1 += h0 * w1;
        a2 += h0 * w2;
        a3 += h0 * w3;
        c0 += h1 * w0;
        c1 += h1 * w1;
        c2 += h1 * w2;
        c3 += h1 * w3;
      }
      gradInput[r0 + i] = a0;
      gradInput[r0 + i + 1] = a1;
      gradInput[r0 + i + 2] = a2;
      gradInput[r0 + i + 3] = a3;
      gradInput[r1 + i] = c0;
      gradInput[r1 + i + 1] = c1;
      gradInput[r1 + i + 2] = c2;
      gradInput[r1 + i + 3] = c3;
    }
    for (; i < inDim; i++) {
      let a = gradInput[r0 + i]!;
      let c = gradInput[r1 + i]!;
      for (let o = 0; o < outDim; o++) {
        const w = weight[o * inDim + i]!;
        a += gradOutput[g0 + o]! * w;
        c += gradOutput[g1 + o]! * w;
      }
      gradInput[r0 + i] = a;
      gradInput[r1 + i] = c;
    }
  }
  for (; b < batch; b++) {
    const r0 = b * inDim;
    const g0 = b * outDim;
    for (let i = 0; i < inDim; i++) {
      let a = gradInput[r0 + i]!;
      for (let o = 0; o < outDim; o++) a += gradOutput[g0 + o]! * weight[o * inDim + i]!;
      gradInput[r0 + i] = a;
    }
  }
}
