import { expectLength } from "./_validate.ts";
import { normalizeAdvantages } from "./normalize_advantages.ts";

/** Per-sample inputs of {@linkcode ppoLoss}; every array has one entry per minibatch row. */
export interface PpoLossInputs {
  /** Log-probabilities of the taken actions under the current policy. */
  readonly logProbs: ArrayLike<number>;
  /** Entropies of the current policy. */
  readonly entropy: ArrayLike<number>;
  /** Current critic values. */
  readonly values: ArrayLike<number>;
  /** Log-probabilities recorded when acting. */
  readonly oldLogProbs: ArrayLike<number>;
  /** Raw advantages (normalised here when `normAdv`). */
  readonly advantages: ArrayLike<number>;
  /** Value targets (advantages + values at collection). */
  readonly returns: ArrayLike<number>;
  /** Values recorded when acting (for value clipping). */
  readonly oldValues: ArrayLike<number>;
}

/** Hyperparameters of {@linkcode ppoLoss} (CleanRL names). */
export interface PpoLossOptions {
  /** Surrogate clipping coefficient, also used for value clipping. */
  readonly clipCoef: number;
  /** Clip the value loss around the old values. */
  readonly clipVloss: boolean;
  /** Weight of the entropy bonus. */
  readonly entCoef: number;
  /** Weight of the value loss. */
  readonly vfCoef: number;
  /** Normalise advantages per minibatch (mean, unbiased std, +1e-8). */
  readonly normAdv: boolean;
  /**
   * Round the current log-probabilities to float32 before forming the ratio (the gradient passes straight
   * through). An engine that stores old log-probabilities as float32 then gets a ratio of exactly 1 on an
   * unchanged policy, as a float32 PyTorch run does. Leave it off for finite-difference checks.
   * @default {false}
   */
  readonly roundLogProbs?: boolean;
}

/** Buffers of `[n]` that {@linkcode ppoLoss} writes into instead of allocating (a training loop reuses them). */
export interface PpoLossBuffers {
  /** Receives dLoss/dlogProbs per row. */
  readonly gradLogProbs: Float64Array;
  /** Receives dLoss/dentropy per row. */
  readonly gradEntropy: Float64Array;
  /** Receives dLoss/dvalues per row. */
  readonly gradValues: Float64Array;
  /** Receives the normalised advantages when `normAdv`. */
  readonly advantages: Float64Array;
}

/** Named loss parts and diagnostics, as CleanRL logs them. */
export interface PpoLossParts {
  /** `policyLoss - entCoef * entropy + vfCoef * valueLoss`. */
  readonly loss: number;
  /** Clipped surrogate loss, `mean(max(-adv * ratio, -adv * clamp(ratio)))`. */
  readonly policyLoss: number;
  /** `0.5 * mean(squared error)`, clipped around the old values when `clipVloss`. */
  readonly valueLoss: number;
  /** Mean entropy. */
  readonly entropy: number;
  /** `mean(-logratio)`. */
  readonly oldApproxKl: number;
  /** `mean((ratio - 1) - logratio)` (the k3 estimator). */
  readonly approxKl: number;
  /** Fraction of rows with `|ratio - 1| > clipCoef`. */
  readonly clipfrac: number;
}

/** {@linkcode ppoLoss}'s parts plus the gradient of `loss` with respect to each per-sample input. */
export interface PpoLossResult extends PpoLossParts {
  /** dLoss/dlogProbs per row. */
  readonly gradLogProbs: Float64Array;
  /** dLoss/dentropy per row (`-entCoef / n`). */
  readonly gradEntropy: Float64Array;
  /** dLoss/dvalues per row. */
  readonly gradValues: Float64Array;
}

/**
 * Computes CleanRL's PPO loss for one minibatch and its gradient with respect to the current
 * log-probabilities, entropies and values.
 *
 * Where two branches of a `max` tie, the gradient is split between them as PyTorch's `torch.max` does; the
 * clamps pass gradient on their closed interval, as `torch.clamp`.
 *
 * @param inputs Per-sample current outputs and recorded rollout data.
 * @param options Clipping, coefficients and advantage normalisation.
 * @param buffers Where to write the per-sample gradients and normalised advantages. @default {new arrays}
 * @returns Loss parts, diagnostics and per-sample gradients.
 *
 * @example
 * ```ts
 * import { ppoLoss } from "./ppo_loss.ts";
 * import assert from "node:assert/strict";
 *
 * const result = ppoLoss(
 *   { logProbs: [-1, -2], entropy: [0.5, 0.5], values: [1, 0], oldLogProbs: [-1, -2],
 *     advantages: [1, -1], returns: [1, 1], oldValues: [1, 0] },
 *   { clipCoef: 0.2, clipVloss: false, entCoef: 0.01, vfCoef: 0.5, normAdv: false },
 * );
 * assert.equal(result.approxKl, 0); // unchanged policy: ratio 1
 * assert.equal(result.policyLoss, 0); // mean(-adv * 1)
 * assert.equal(result.valueLoss, 0.25); // 0.5 * mean([0, 1])
 * ```
 */
export function ppoLoss(
  inputs: PpoLossInputs,
  options: PpoLossOptions,
  buffers?: PpoLossBuffers,
): PpoLossResult {
  const n = inputs.logProbs.length;
  if (n < 1) {
    throw new RangeError(`Cannot compute the PPO loss as the minibatch is empty: current length is ${n}`);
  }
  for (const name of ["entropy", "values", "oldLogProbs", "advantages", "returns", "oldValues"] as const) {
    expectLength(inputs[name], n, "ppoLoss", name);
  }
  const { clipCoef, clipVloss, entCoef, vfCoef, normAdv, roundLogProbs = false } = options;
  if (buffers !== undefined) {
    for (const name of ["gradLogProbs", "gradEntropy", "gradValues", "advantages"] as const) {
      expectLength(buffers[name], n, "ppoLoss", `buffers.${name}`);
    }
  }
  const advantages = normAdv
    ? normalizeAdvantages(inputs.advantages, buffers === undefined ? {} : { out: buffers.advantages })
    : inputs.advantages;
  const gradLogProbs = buffers?.gradLogProbs ?? new Float64Array(n);
  const gradEntropy = buffers?.gradEntropy ?? new Float64Array(n);
  const gradValues = buffers?.gradValues ?? new Float64Array(n);
  let policySum = 0;
  let valueSum = 0;
  let entropySum = 0;
  let oldKlSum = 0;
  let klSum = 0;
  let clipped = 0;
  for (let i = 0; i < n; i++) {
    const logProb = roundLogProbs ? Math.fround(inputs.logProbs[i]!) : inputs.logProbs[i]!;
    const logRatio = logProb - inputs.oldLogProbs[i]!;
    const ratio = Math.exp(logRatio);
    oldKlSum += -logRatio;
    klSum += ratio - 1 - logRatio;
    if (Math.abs(ratio - 1) > clipCoef) clipped++;

    const advantage = advantages[i]!;
    const unclippedLoss = -advantage * ratio;
    const inRange = ratio >= 1 - clipCoef && ratio <= 1 + clipCoef;
    const clampedRatio = Math.min(Math.max(ratio, 1 - clipCoef), 1 + clipCoef);
    const clippedLoss = -advantage * clampedRatio;
    const gradUnclipped = -advantage;
    const gradClipped = inRange ? -advantage : 0;
    policySum += Math.max(unclippedLoss, clippedLoss);
    const gradRatio = pickMax(unclippedLoss, clippedLoss, gradUnclipped, gradClipped);
    gradLogProbs[i] = gradRatio * ratio / n;

    const value = inputs.values[i]!;
    const ret = inputs.returns[i]!;
    const error = value - ret;
    if (clipVloss) {
      const oldValue = inputs.oldValues[i]!;
      const delta = value - oldValue;
      const clippedValue = oldValue + Math.min(Math.max(delta, -clipCoef), clipCoef);
      const clippedError = clippedValue - ret;
      const unclippedSquare = error * error;
      const clippedSquare = clippedError * clippedError;
      valueSum += Math.max(unclippedSquare, clippedSquare);
      const gradClippedSquare = delta >= -clipCoef && delta <= clipCoef ? 2 * clippedError : 0;
      gradValues[i] = vfCoef * 0.5 * pickMax(unclippedSquare, clippedSquare, 2 * error, gradClippedSquare) /
        n;
    } else {
      valueSum += error * error;
      gradValues[i] = vfCoef * error / n;
    }

    entropySum += inputs.entropy[i]!;
    gradEntropy[i] = -entCoef / n;
  }
  const policyLoss = policySum / n;
  const valueLoss = 0.5 * valueSum / n;
  const entropy = entropySum / n;
  return {
    loss: policyLoss - entCoef * entropy + vfCoef * valueLoss,
    policyLoss,
    valueLoss,
    entropy,
    oldApproxKl: oldKlSum / n,
    approxKl: klSum / n,
    clipfrac: clipped / n,
    gradLogProbs,
    gradEntropy,
    gradValues,
  };
}

/** The gradient of `max(a, b)`: the larger branch's, or half of each on a tie (as `torch.max`). */
function pickMax(a: number, b: number, gradA: number, gradB: number): number {
  if (a > b) return gradA;
  if (a < b) return gradB;
  return 0.5 * (gradA + gradB);
}
