import { expectLength, rowsOf } from "./_validate.ts";
import type { DenseLayer } from "./dense_forward.ts";

const ROW_TILE = 32;

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
  // Tiles of rows stay in cache while each weight row and its gradient row are reused across the tile.
  for (let tileStart = 0; tileStart < batch; tileStart += ROW_TILE) {
    const tileEnd = Math.min(batch, tileStart + ROW_TILE);
    for (let o = 0; o < outDim; o++) {
      const weightOffset = o * inDim;
      for (let b = tileStart; b < tileEnd; b++) {
        const g = gradOutput[b * outDim + o]!;
        // Skipping zeros matters: ReLU and clipped PPO terms produce many, and 0 * x adds nothing for finite x.
        if (g === 0) continue;
        const inputOffset = b * inDim;
        gradBias[o] = gradBias[o]! + g;
        for (let i = 0; i < inDim; i++) {
          gradWeight[weightOffset + i] = gradWeight[weightOffset + i]! + g * input[inputOffset + i]!;
        }
        if (gradInput !== null) {
          for (let i = 0; i < inDim; i++) {
            gradInput[inputOffset + i] = gradInput[inputOffset + i]! + g * weight[weightOffset + i]!;
          }
        }
      }
    }
  }
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
