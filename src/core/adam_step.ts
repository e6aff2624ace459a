/** Buffers Adam updates in place: parameters and both moments, all the same length. */
export interface AdamBuffers {
  /** Parameters, updated in place. */
  readonly params: Float32Array | Float64Array;
  /** First moment (running mean of gradients). */
  readonly m: Float32Array | Float64Array;
  /** Second moment (running mean of squared gradients). */
  readonly v: Float32Array | Float64Array;
}

/** A contiguous slice of the parameters with its own learning rate (an optimizer group). */
export interface AdamRange {
  /** First index of the slice. */
  readonly offset: number;
  /** Number of entries in the slice. */
  readonly size: number;
  /** Learning rate of the slice. */
  readonly learningRate: number;
}

/** Options of {@linkcode adamStep}. */
export interface AdamStepOptions {
  /** The number of this step, counting from 1 (bias correction uses it). */
  readonly step: number;
  /** Learning rate of the whole vector when `ranges` is absent. */
  readonly learningRate: number;
  /** Decay of the first moment. @default {0.9} */
  readonly beta1?: number;
  /** Decay of the second moment. @default {0.999} */
  readonly beta2?: number;
  /** Added to the denominator; CleanRL uses 1e-5 rather than PyTorch's 1e-8. @default {1e-5} */
  readonly eps?: number;
  /**
   * Slices to update, each with its learning rate; everything outside them (a fixed log-std) is left alone.
   * @default {the whole vector at `learningRate`}
   */
  readonly ranges?: readonly AdamRange[];
}

/**
 * Applies one Adam step in place with PyTorch's semantics (`torch.optim.Adam`, no weight decay, no amsgrad):
 * `m = b1 m + (1 - b1) g`, `v = b2 v + (1 - b2) g^2`,
 * `p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)`, computed in float64 and stored in the
 * buffers' own precision.
 *
 * @param buffers Parameters and moments, updated in place.
 * @param gradients Gradients, same length.
 * @param options Step number, learning rate(s), betas and eps.
 *
 * @example
 * ```ts
 * import { adamStep } from "./adam_step.ts";
 * import assert from "node:assert/strict";
 *
 * // First step: m/(1-b1) = g and sqrt(v/(1-b2)) = |g|, so the move is lr * g / (|g| + eps).
 * const buffers = { params: new Float64Array([1]), m: new Float64Array(1), v: new Float64Array(1) };
 * adamStep(buffers, new Float64Array([2]), { step: 1, learningRate: 0.1, eps: 0 });
 * assert.ok(Math.abs(buffers.params[0]! - 0.9) < 1e-12);
 * ```
 */
export function adamStep(
  buffers: AdamBuffers,
  gradients: ArrayLike<number>,
  options: AdamStepOptions,
): void {
  const { params, m, v } = buffers;
  const { step, learningRate, beta1 = 0.9, beta2 = 0.999, eps = 1e-5 } = options;
  if (m.length !== params.length || v.length !== params.length || gradients.length !== params.length) {
    throw new TypeError(
      `Cannot run adamStep as params, m, v and gradients must have the same length: current lengths are ${
        [params.length, m.length, v.length, gradients.length].join(", ")
      }`,
    );
  }
  if (!Number.isInteger(step) || step < 1) {
    throw new RangeError(`Cannot run adamStep as step must be an integer >= 1: current value is ${step}`);
  }
  const ranges = options.ranges ?? [{ offset: 0, size: params.length, learningRate }];
  const biasCorrection1 = 1 - beta1 ** step;
  const biasCorrection2Sqrt = Math.sqrt(1 - beta2 ** step);
  for (const range of ranges) {
    if (range.offset < 0 || range.offset + range.size > params.length) {
      throw new RangeError(
        `Cannot run adamStep as a range must lie inside the ${params.length} parameters: current value is [${range.offset}, ${
          range.offset + range.size
        })`,
      );
    }
    const stepSize = range.learningRate / biasCorrection1;
    for (let i = range.offset; i < range.offset + range.size; i++) {
      const g = gradients[i]!;
      const mi = m[i]! + (1 - beta1) * (g - m[i]!);
      const vi = beta2 * v[i]! + (1 - beta2) * g * g;
      m[i] = mi;
      v[i] = vi;
      // Read the moments back so a float32 state updates exactly as a float32 PyTorch optimizer stores it.
      params[i] = params[i]! - stepSize * m[i]! / (Math.sqrt(v[i]!) / biasCorrection2Sqrt + eps);
    }
  }
}
