/** The outcome of {@linkcode clipGradNorm}. */
export interface ClipGradNormResult {
  /** Global L2 norm of the gradients before clipping. */
  readonly norm: number;
  /** The factor the gradients were multiplied by (1 when not clipped). */
  readonly scale: number;
}

/**
 * Clips gradients in place to a global L2 norm, as `torch.nn.utils.clip_grad_norm_`: when
 * `maxNorm / (norm + 1e-6) < 1`, every entry is multiplied by that factor.
 *
 * @param gradients All gradients as one flat vector (modified in place).
 * @param maxNorm The largest norm allowed, > 0; `Infinity` disables clipping (the norm is still computed).
 * @returns The norm before clipping and the scale applied.
 *
 * @example
 * ```ts
 * import { clipGradNorm } from "./clip_grad_norm.ts";
 * import assert from "node:assert/strict";
 *
 * const grads = new Float64Array([3, 4]);
 * const { norm } = clipGradNorm(grads, 1);
 * assert.equal(norm, 5);
 * assert.ok(Math.abs(grads[0]! - 0.6) < 1e-6 && Math.abs(grads[1]! - 0.8) < 1e-6);
 * ```
 */
export function clipGradNorm(gradients: Float32Array | Float64Array, maxNorm: number): ClipGradNormResult {
  if (!(maxNorm > 0)) {
    throw new RangeError(`Cannot clip gradients as maxNorm must be positive: current value is ${maxNorm}`);
  }
  let squares = 0;
  for (let i = 0; i < gradients.length; i++) {
    const g = gradients[i]!;
    squares += g * g;
  }
  const norm = Math.sqrt(squares);
  const scale = maxNorm / (norm + 1e-6);
  if (!(scale < 1)) return { norm, scale: 1 };
  for (let i = 0; i < gradients.length; i++) gradients[i] = gradients[i]! * scale;
  return { norm, scale };
}
