import { expectLength, outputOf, rowsOf } from "./_validate.ts";
import type { GaussianOptions } from "./gaussian_log_prob.ts";

/**
 * Draws diagonal Gaussian actions from pre-drawn standard normals: `action = mean + exp(logStd) * noise`.
 *
 * @param means `[batch * dim]` means.
 * @param noise `[batch * dim]` standard normal draws.
 * @param options The log-std and an optional `[batch * dim]` output buffer.
 * @returns `[batch * dim]` unclipped actions.
 *
 * @example
 * ```ts
 * import { gaussianSample } from "./gaussian_sample.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(Array.from(gaussianSample([1, 1], [0.5, -1], { logStd: [Math.log(2)] })), [2, -1]);
 * ```
 */
export function gaussianSample(
  means: ArrayLike<number>,
  noise: ArrayLike<number>,
  options: GaussianOptions,
): Float64Array {
  const { logStd } = options;
  const dim = logStd.length;
  const batch = rowsOf(means.length, dim, "gaussianSample", "means");
  expectLength(noise, means.length, "gaussianSample", "noise");
  const out = outputOf(options.out, means.length, "gaussianSample", "out");
  for (let b = 0; b < batch; b++) {
    for (let d = 0; d < dim; d++) {
      const i = b * dim + d;
      out[i] = means[i]! + Math.exp(logStd[d]!) * noise[i]!;
    }
  }
  return out;
}
