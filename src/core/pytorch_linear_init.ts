import type { Rng } from "./rng.ts";

/** A dense layer's parameters as {@linkcode pytorchLinearInit} draws them. */
export interface LinearInit {
  /** `[outDim * inDim]` weight, row-major `[outDim, inDim]`. */
  readonly weight: Float64Array;
  /** `[outDim]` bias. */
  readonly bias: Float64Array;
}

/**
 * Draws a dense layer as PyTorch's `nn.Linear` initialises itself: the weight by Kaiming uniform with
 * `a = sqrt(5)`, which is `U(-1/sqrt(fanIn), 1/sqrt(fanIn))`, and the bias from the same uniform (the tutorials
 * that build their networks from `nn.Linear` without an explicit initialisation get this).
 *
 * With `a = sqrt(5)` the leaky-ReLU gain is `sqrt(2 / (1 + 5))`, the standard deviation `gain / sqrt(fanIn)` and
 * the bound `sqrt(3)` times that: `1 / sqrt(fanIn)`. The weight's variance is `1 / (3 fanIn)`.
 *
 * @param shape `[outDim, inDim]`, as the weight is stored.
 * @param rng The seeded generator to draw from: the weight in row-major order, then the bias.
 * @returns The weight and the bias.
 *
 * @example
 * ```ts
 * import { pytorchLinearInit } from "./pytorch_linear_init.ts";
 * import { Rng } from "./rng.ts";
 * import assert from "node:assert/strict";
 *
 * const { weight, bias } = pytorchLinearInit([3, 4], new Rng(0));
 * assert.ok([...weight, ...bias].every((x) => Math.abs(x) <= 0.5)); // 1 / sqrt(4)
 * ```
 */
export function pytorchLinearInit(shape: readonly [number, number], rng: Rng): LinearInit {
  const [outDim, inDim] = shape;
  if (!Number.isInteger(outDim) || !Number.isInteger(inDim) || outDim < 1 || inDim < 1) {
    throw new RangeError(
      `Cannot run pytorchLinearInit as the shape must be two positive integers: current value is [${outDim}, ${inDim}]`,
    );
  }
  const bound = 1 / Math.sqrt(inDim);
  const weight = new Float64Array(outDim * inDim);
  for (let i = 0; i < weight.length; i++) weight[i] = rng.uniform(-bound, bound);
  const bias = new Float64Array(outDim);
  for (let i = 0; i < outDim; i++) bias[i] = rng.uniform(-bound, bound);
  return { weight, bias };
}
