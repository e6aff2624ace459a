/** Mean, population variance and largest magnitude of a sample (initialiser statistics). */
export function moments(values: Float64Array): { mean: number; variance: number; max: number } {
  let sum = 0;
  let max = 0;
  for (const v of values) {
    sum += v;
    max = Math.max(max, Math.abs(v));
  }
  const mean = sum / values.length;
  let squares = 0;
  for (const v of values) squares += (v - mean) ** 2;
  return { mean, variance: squares / values.length, max };
}
