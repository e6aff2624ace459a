/**
 * A rational approximation of tanh for kernels that have no `Math.tanh`, with one division.
 *
 * `tanh(x) = x P(x^2) / Q(x^2)` is the 13th convergent of Lambert's continued fraction `x / (1 + x^2 / (3 +
 * x^2 / (5 + ...)))`, expanded into two polynomials (both with positive coefficients, so Horner's rule in float32
 * adds no cancellation) and normalised to `Q(0) = 1`. With `|x|` clamped to `limit` = 9 (tanh(9) is within
 * 3.1e-8 of 1) it is within 3e-7 of `Math.tanh`. Coefficients are lowest degree first.
 *
 * @example
 * ```ts
 * import { TANH_COEFFICIENTS } from "./tanh_rational.ts";
 * import assert from "node:assert/strict";
 *
 * const { p, q, limit } = TANH_COEFFICIENTS;
 * const horner = (c: readonly number[], t: number) => c.reduceRight((sum, ci) => sum * t + ci, 0);
 * const x = Math.min(Math.max(0.5, -limit), limit);
 * assert.ok(Math.abs((x * horner(p, x * x)) / horner(q, x * x) - Math.tanh(0.5)) < 3e-7);
 * ```
 */
export const TANH_COEFFICIENTS: {
  readonly p: readonly number[];
  readonly q: readonly number[];
  readonly limit: number;
} = { ...tanhConvergent(13), limit: 9 };

function tanhConvergent(depth: number): { p: number[]; q: number[] } {
  // K_k = (2k - 1) + t / K_(k+1), K_depth = 2 depth - 1, as the ratio num_k / den_k of polynomials in t = x^2;
  // tanh(x) = x / K_1 = x den_1 / num_1.
  let num = [2 * depth - 1];
  let den = [1];
  for (let k = depth - 1; k >= 1; k--) {
    const next = Array.from(
      { length: Math.max(num.length, den.length + 1) },
      (_, i) => (2 * k - 1) * (num[i] ?? 0) + (den[i - 1] ?? 0),
    );
    den = num;
    num = next;
  }
  const scale = num[0]!;
  return { p: den.map((c) => c / scale), q: num.map((c) => c / scale) };
}
