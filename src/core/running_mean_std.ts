/** The saved form of a {@linkcode RunningMeanStd}. */
export interface RunningMeanStdState {
  /** Per-dimension running mean. */
  readonly mean: number[];
  /** Per-dimension running population variance. */
  readonly var: number[];
  /** Number of samples merged so far (starting at the constructor's `epsilon`). */
  readonly count: number;
}

/**
 * Running per-dimension mean and (population) variance, merged batch by batch with Chan's parallel formula.
 *
 * It's like Gymnasium's `RunningMeanStd`: the count starts at 1e-4 so the first batch dominates without a
 * division by zero.
 *
 * @example
 * ```ts
 * import { RunningMeanStd } from "./running_mean_std.ts";
 * import assert from "node:assert/strict";
 *
 * const rms = new RunningMeanStd(1);
 * rms.update(Float32Array.of(1, 3), 2);
 * assert.ok(Math.abs(rms.mean[0]! - 2) < 1e-3);
 * assert.ok(Math.abs(rms.var[0]! - 1) < 1e-3);
 * ```
 */
export class RunningMeanStd {
  /** Per-dimension mean. */
  readonly mean: Float64Array;
  /** Per-dimension population variance. */
  readonly var: Float64Array;
  /** Number of samples merged (starting at `epsilon`). */
  count: number;
  #batchMean: Float64Array;
  #batchVar: Float64Array;

  /**
   * Creates statistics for samples of `dim` values: mean 0, variance 1.
   *
   * @param dim Values per sample.
   * @param epsilon Initial count. @default {1e-4}
   */
  constructor(dim: number, epsilon = 1e-4) {
    if (!Number.isInteger(dim) || dim < 1) {
      throw new RangeError(
        `Cannot create RunningMeanStd as dim must be a positive integer: current value is ${dim}`,
      );
    }
    this.mean = new Float64Array(dim);
    this.var = new Float64Array(dim).fill(1);
    this.count = epsilon;
    this.#batchMean = new Float64Array(dim);
    this.#batchVar = new Float64Array(dim);
  }

  /** Merges `rows` samples stored row-major in `values` (`[rows * dim]`). */
  update(values: ArrayLike<number>, rows: number): void {
    const dim = this.mean.length;
    if (values.length < rows * dim || rows < 1) {
      throw new TypeError(
        `Cannot update RunningMeanStd as values must hold rows * dim = ${
          rows * dim
        } elements: current value has ${values.length}`,
      );
    }
    const bm = this.#batchMean.fill(0);
    const bv = this.#batchVar.fill(0);
    for (let r = 0; r < rows; r++) for (let d = 0; d < dim; d++) bm[d]! += values[r * dim + d]!;
    for (let d = 0; d < dim; d++) bm[d]! /= rows;
    for (let r = 0; r < rows; r++) {
      for (let d = 0; d < dim; d++) bv[d]! += (values[r * dim + d]! - bm[d]!) ** 2;
    }
    const total = this.count + rows;
    for (let d = 0; d < dim; d++) {
      bv[d]! /= rows;
      const delta = bm[d]! - this.mean[d]!;
      const m2 = this.var[d]! * this.count + bv[d]! * rows + delta * delta * this.count * rows / total;
      this.mean[d]! += delta * rows / total;
      this.var[d] = m2 / total;
    }
    this.count = total;
  }

  /** The statistics as plain JSON. */
  getState(): RunningMeanStdState {
    return { mean: Array.from(this.mean), var: Array.from(this.var), count: this.count };
  }

  /** Restores statistics saved by {@linkcode RunningMeanStd.getState}. */
  setState(state: RunningMeanStdState): void {
    const dim = this.mean.length;
    if (state.mean.length !== dim || state.var.length !== dim) {
      throw new TypeError(
        `Cannot restore RunningMeanStd as mean and var must have ${dim} elements: current value has ${state.mean.length} and ${state.var.length}`,
      );
    }
    if (![...state.mean, ...state.var, state.count].every(Number.isFinite) || state.var.some((v) => v < 0)) {
      throw new RangeError(
        "Cannot restore RunningMeanStd as its statistics must be finite: current value is not",
      );
    }
    this.mean.set(state.mean);
    this.var.set(state.var);
    this.count = state.count;
  }
}
