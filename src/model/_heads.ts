/**
 * The action distributions on top of a network's outputs, shared by the engines that compute those outputs
 * on the host side of the heads (reference, threaded, wasm): sampling, greedy actions, log-probabilities and
 * entropies, with the same validation everywhere.
 *
 * @module
 */
import { categoricalEntropy } from "../core/categorical_entropy.ts";
import { categoricalLogProb } from "../core/categorical_log_prob.ts";
import { categoricalMode } from "../core/categorical_mode.ts";
import { categoricalSample } from "../core/categorical_sample.ts";
import { gaussianEntropy } from "../core/gaussian_entropy.ts";
import { gaussianLogProb } from "../core/gaussian_log_prob.ts";
import type { ActorCriticOutputs } from "../core/ppo_head_loss.ts";
import { checkLength } from "./_check_inputs.ts";
import type { ActInput, ActOutput, EvaluateOutput, ParamLayout } from "./types.ts";

/** Float64 buffers for acting on a batch, kept by the engine while the rollout batch size stays the same. */
export interface ActScratch {
  readonly actions: Float64Array;
  readonly logProbs: Float64Array;
}

/** Scratch for `batch` rows, reusing `scratch` when it fits. */
export function actScratch(scratch: ActScratch | undefined, batch: number): ActScratch {
  if (scratch !== undefined && scratch.logProbs.length === batch) return scratch;
  return { actions: new Float64Array(batch), logProbs: new Float64Array(batch) };
}

function categorical(n: number, mask: Uint8Array | undefined, batch: number, action: string) {
  if (mask === undefined) return { n };
  checkLength(mask, batch * n, action, "mask");
  return { n, mask };
}

/**
 * Fills `out` from the policy head's outputs: sampled (or greedy) actions and their log-probabilities, and the
 * values.
 *
 * @param layout The network's layout (its head).
 * @param policy `[batch * n]` logits or `[batch * dim]` means.
 * @param values `[batch]` critic values.
 * @param logStd `[dim]` log-std of a gaussian head (empty for categorical ones).
 * @param input The `act` input (noise, mask, greedy).
 * @param out Where the actions, log-probabilities and values go.
 * @param scratch Float64 buffers of `batch` rows.
 */
export function actFromOutputs(
  layout: ParamLayout,
  policy: Float64Array,
  values: ArrayLike<number>,
  logStd: ArrayLike<number>,
  input: ActInput,
  out: ActOutput,
  scratch: ActScratch,
): void {
  const { batch, noise, mask, deterministic = false } = input;
  const head = layout.config.head;
  if (head.kind === "categorical") {
    const options = categorical(head.n, mask, batch, "act");
    const actions = deterministic
      ? categoricalMode(policy, { ...options, out: scratch.actions })
      : categoricalSample(policy, noise, { ...options, out: scratch.actions });
    out.actions.set(actions);
    out.logProbs.set(categoricalLogProb(policy, actions, { ...options, out: scratch.logProbs }));
  } else {
    if (mask !== undefined) {
      throw new TypeError("Cannot act as an action mask needs a categorical head: current head is gaussian");
    }
    for (let i = 0; i < policy.length; i++) {
      out.actions[i] = deterministic ? policy[i]! : policy[i]! + Math.exp(logStd[i % head.dim]!) * noise[i]!;
    }
    // The log-density is taken at the stored float32 action, the one training will see.
    out.logProbs.set(gaussianLogProb(policy, out.actions, { logStd, out: scratch.logProbs }));
  }
  out.values.set(values);
}

/**
 * Fills `out` with the log-probabilities and entropies of `actions` under the policy head's outputs, and the
 * values.
 *
 * @param layout The network's layout (its head).
 * @param policy `[batch * n]` logits or `[batch * dim]` means.
 * @param values `[batch]` critic values.
 * @param logStd `[dim]` log-std of a gaussian head (empty for categorical ones).
 * @param actions `[batch * actionDim]` actions.
 * @param mask Optional `[batch * n]` action mask.
 * @param out Where the results go.
 */
export function evaluateFromOutputs(
  layout: ParamLayout,
  policy: Float64Array,
  values: ArrayLike<number>,
  logStd: ArrayLike<number>,
  actions: Float32Array,
  mask: Uint8Array | undefined,
  out: EvaluateOutput,
): void {
  const head = layout.config.head;
  const batch = values.length;
  if (head.kind === "categorical") {
    const options = categorical(head.n, mask, batch, "evaluate");
    out.logProbs.set(categoricalLogProb(policy, actions, options));
    out.entropy.set(categoricalEntropy(policy, options));
  } else {
    out.logProbs.set(gaussianLogProb(policy, actions, { logStd }));
    out.entropy.fill(gaussianEntropy(logStd));
  }
  out.values.set(values);
}

/**
 * The heads' outputs as `ppoHeadLoss` takes them: logits (with the minibatch's action mask) or means with the
 * log-std, and the values.
 *
 * @param layout The network's layout (its head).
 * @param policy `[batch * n]` logits or `[batch * dim]` means.
 * @param values `[batch]` critic values.
 * @param logStd `[dim]` log-std of a gaussian head (ignored for categorical ones).
 * @param mask Optional `[batch * n]` action mask of a categorical head.
 */
export function headOutputs(
  layout: ParamLayout,
  policy: ArrayLike<number>,
  values: ArrayLike<number>,
  logStd: ArrayLike<number>,
  mask: ArrayLike<number> | undefined,
): ActorCriticOutputs {
  const head = layout.config.head;
  if (head.kind === "gaussian") return { kind: "gaussian", means: policy, logStd, values };
  return mask === undefined
    ? { kind: "categorical", n: head.n, logits: policy, values }
    : { kind: "categorical", n: head.n, logits: policy, values, mask };
}
