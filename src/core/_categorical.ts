/**
 * The masked log-sum-exp that every categorical function here shares, so that log-probabilities, entropy,
 * sampling and gradients agree bit for bit.
 *
 * @module
 */

/**
 * Returns `log(sum(exp(logits[offset + j])))` over the unmasked `j < n` of one row, shifted by the row
 * maximum for stability. `mask[offset + j] === 0` excludes `j`; a row without any allowed action throws.
 */
export function rowLogSumExp(
  logits: ArrayLike<number>,
  offset: number,
  n: number,
  mask: ArrayLike<number> | undefined,
  op: string,
): number {
  let max = -Infinity;
  let allowed = 0;
  for (let j = 0; j < n; j++) {
    if (mask !== undefined && mask[offset + j] === 0) continue;
    allowed++;
    const z = logits[offset + j]!;
    if (!(z < Infinity)) {
      throw new RangeError(
        `Cannot run ${op} as logits must be finite or -Infinity: current value in row ${offset / n} is ${z}`,
      );
    }
    if (z > max) max = z;
  }
  if (allowed === 0) {
    throw new RangeError(
      `Cannot run ${op} as the action mask allows no action in row ${offset / n}: current value is all zeros`,
    );
  }
  if (max === -Infinity) {
    throw new RangeError(
      `Cannot run ${op} as every allowed logit in row ${offset / n} is -Infinity: current max is -Infinity`,
    );
  }
  let sum = 0;
  for (let j = 0; j < n; j++) {
    if (mask !== undefined && mask[offset + j] === 0) continue;
    sum += Math.exp(logits[offset + j]! - max);
  }
  return max + Math.log(sum);
}

/** True when `mask` excludes action `j` of the row starting at `offset`. */
export function isMasked(mask: ArrayLike<number> | undefined, offset: number, j: number): boolean {
  return mask !== undefined && mask[offset + j] === 0;
}

/** Reads action `b` as an integer index in [0, n) that the mask allows, or throws a RangeError. */
export function actionAt(
  actions: ArrayLike<number>,
  b: number,
  n: number,
  mask: ArrayLike<number> | undefined,
  op: string,
): number {
  const a = actions[b]!;
  if (!Number.isInteger(a) || a < 0 || a >= n) {
    throw new RangeError(
      `Cannot run ${op} as actions must be integers in [0, ${n}): current value in row ${b} is ${a}`,
    );
  }
  if (isMasked(mask, b * n, a)) {
    throw new RangeError(`Cannot run ${op} as action ${a} in row ${b} is masked: current mask value is 0`);
  }
  return a;
}
