import { expectLength } from "./_validate.ts";
import { categoricalBackward } from "./categorical_backward.ts";
import { categoricalEntropy } from "./categorical_entropy.ts";
import { categoricalLogProb } from "./categorical_log_prob.ts";
import { gaussianBackward } from "./gaussian_backward.ts";
import { gaussianEntropy } from "./gaussian_entropy.ts";
import { gaussianLogProb } from "./gaussian_log_prob.ts";
import { ppoLoss, type PpoLossBuffers, type PpoLossOptions, type PpoLossParts } from "./ppo_loss.ts";

/** The network outputs the PPO loss depends on: the policy head's and the critic's. */
export type ActorCriticOutputs =
  | {
    readonly kind: "categorical";
    /** Number of actions. */
    readonly n: number;
    /** `[batch * n]` logits. */
    readonly logits: ArrayLike<number>;
    /** `[batch * n]` action mask (0 = never chosen). */
    readonly mask?: ArrayLike<number>;
    /** `[batch]` critic values. */
    readonly values: ArrayLike<number>;
  }
  | {
    readonly kind: "gaussian";
    /** `[batch * dim]` means. */
    readonly means: ArrayLike<number>;
    /** `[dim]` state-independent log-std. */
    readonly logStd: ArrayLike<number>;
    /** `[batch]` critic values. */
    readonly values: ArrayLike<number>;
  };

/** Recorded rollout data for {@linkcode ppoHeadLoss}; one row per sample. */
export interface PpoHeadLossBatch {
  /** `[batch]` action indices (categorical) or `[batch * dim]` unclipped actions (gaussian). */
  readonly actions: ArrayLike<number>;
  /** `[batch]` log-probabilities recorded when acting. */
  readonly oldLogProbs: ArrayLike<number>;
  /** `[batch]` raw advantages. */
  readonly advantages: ArrayLike<number>;
  /** `[batch]` value targets. */
  readonly returns: ArrayLike<number>;
  /** `[batch]` values recorded when acting. */
  readonly oldValues: ArrayLike<number>;
}

/** Buffers {@linkcode ppoHeadLoss} writes into instead of allocating; every one has the batch's rows. */
export interface PpoHeadLossBuffers extends PpoLossBuffers {
  /** `[batch]` current log-probabilities. */
  readonly logProbs: Float64Array;
  /** `[batch]` entropies. */
  readonly entropy: Float64Array;
  /** `[batch * n]` or `[batch * dim]` gradient with respect to the policy head's outputs. */
  readonly gradPolicy: Float64Array;
  /** `[dim]` gradient with respect to the log-std (gaussian heads; any length for categorical ones). */
  readonly gradLogStd: Float64Array;
}

/**
 * Allocates the buffers {@linkcode ppoHeadLoss} writes into for `rows` rows of a head with `width` outputs
 * (`n` logits or `dim` means); `logStdDim` is the gaussian head's dim, 0 for a categorical one.
 */
export function ppoHeadLossBuffers(rows: number, width: number, logStdDim: number): PpoHeadLossBuffers {
  return {
    logProbs: new Float64Array(rows),
    entropy: new Float64Array(rows),
    gradPolicy: new Float64Array(rows * width),
    gradLogStd: new Float64Array(logStdDim),
    gradLogProbs: new Float64Array(rows),
    gradEntropy: new Float64Array(rows),
    gradValues: new Float64Array(rows),
    advantages: new Float64Array(rows),
  };
}

/** {@linkcode ppoHeadLoss}'s loss parts plus the gradient with respect to the network outputs. */
export interface PpoHeadLossResult extends PpoLossParts {
  /** `[batch]` current log-probabilities of the taken actions (before any float32 rounding). */
  readonly logProbs: Float64Array;
  /** dL/dlogits `[batch * n]` or dL/dmeans `[batch * dim]`. */
  readonly gradPolicy: Float64Array;
  /** dL/dlogStd `[dim]` for gaussian heads (whether or not the log-std is trained), else null. */
  readonly gradLogStd: Float64Array | null;
  /** dL/dvalues `[batch]`. */
  readonly gradValues: Float64Array;
}

/**
 * Computes CleanRL's PPO loss from raw network outputs (logits or means and log-std, and values) and its
 * gradient with respect to those outputs: the distribution, {@linkcode ppoLoss} and the distribution's
 * backward pass in one call.
 *
 * @param outputs The policy head's outputs and the critic's values.
 * @param batch Actions and recorded rollout data.
 * @param options The PPO hyperparameters.
 * @param buffers Where to write per-sample results, so a training loop allocates nothing. @default {new arrays}
 * @returns Loss parts, diagnostics and gradients with respect to the outputs (in `buffers` when given).
 *
 * @example
 * ```ts
 * import { ppoHeadLoss } from "./ppo_head_loss.ts";
 * import assert from "node:assert/strict";
 *
 * const result = ppoHeadLoss(
 *   { kind: "categorical", n: 2, logits: [0, 0, 1, -1], values: [0.5, 0] },
 *   { actions: [0, 1], oldLogProbs: [-1, -2], advantages: [1, -1], returns: [1, 0], oldValues: [0, 0] },
 *   { clipCoef: 0.2, clipVloss: false, entCoef: 0.01, vfCoef: 0.5, normAdv: false },
 * );
 * assert.equal(result.gradPolicy.length, 4);
 * assert.equal(result.gradValues[0], 0.5 * (0.5 - 1) / 2); // vfCoef * (v - ret) / n
 * ```
 */
export function ppoHeadLoss(
  outputs: ActorCriticOutputs,
  batch: PpoHeadLossBatch,
  options: PpoLossOptions,
  buffers?: PpoHeadLossBuffers,
): PpoHeadLossResult {
  const rows = outputs.values.length;
  if (outputs.kind === "categorical") {
    const { n, logits, mask } = outputs;
    expectLength(logits, rows * n, "ppoHeadLoss", "logits");
    const categorical = mask === undefined ? { n } : { n, mask };
    const logProbs = categoricalLogProb(
      logits,
      batch.actions,
      buffers === undefined ? categorical : { ...categorical, out: buffers.logProbs },
    );
    const entropy = categoricalEntropy(
      logits,
      buffers === undefined ? categorical : { ...categorical, out: buffers.entropy },
    );
    const loss = ppoLoss({ ...rollout(batch), logProbs, entropy, values: outputs.values }, options, buffers);
    const gradPolicy = categoricalBackward(logits, batch.actions, {
      ...categorical,
      gradLogProbs: loss.gradLogProbs,
      gradEntropy: loss.gradEntropy,
      ...(buffers === undefined ? {} : { out: buffers.gradPolicy }),
    });
    return { ...parts(loss), logProbs, gradPolicy, gradLogStd: null, gradValues: loss.gradValues };
  }
  const { means, logStd } = outputs;
  expectLength(means, rows * logStd.length, "ppoHeadLoss", "means");
  const logProbs = gaussianLogProb(
    means,
    batch.actions,
    buffers === undefined ? { logStd } : { logStd, out: buffers.logProbs },
  );
  const entropy = (buffers?.entropy ?? new Float64Array(rows)).fill(gaussianEntropy(logStd));
  const loss = ppoLoss({ ...rollout(batch), logProbs, entropy, values: outputs.values }, options, buffers);
  const grads = gaussianBackward(means, batch.actions, {
    logStd,
    gradLogProbs: loss.gradLogProbs,
    gradEntropy: loss.gradEntropy,
    ...(buffers === undefined ? {} : { gradMeans: buffers.gradPolicy, gradLogStd: buffers.gradLogStd }),
  });
  return {
    ...parts(loss),
    logProbs,
    gradPolicy: grads.gradMeans,
    gradLogStd: grads.gradLogStd,
    gradValues: loss.gradValues,
  };
}

function rollout(batch: PpoHeadLossBatch) {
  const { oldLogProbs, advantages, returns, oldValues } = batch;
  return { oldLogProbs, advantages, returns, oldValues };
}

function parts(loss: PpoLossParts): PpoLossParts {
  const { loss: total, policyLoss, valueLoss, entropy, oldApproxKl, approxKl, clipfrac } = loss;
  return { loss: total, policyLoss, valueLoss, entropy, oldApproxKl, approxKl, clipfrac };
}
