import { headOutputs } from "./_heads.ts";
import { denseBackward, type DenseBackwardOptions } from "../core/dense_backward.ts";
import { denseForward, type DenseLayer } from "../core/dense_forward.ts";
import { ppoHeadLoss, type PpoHeadLossBuffers, ppoHeadLossBuffers } from "../core/ppo_head_loss.ts";
import { ppoLoss, type PpoLossOptions, type PpoLossParts } from "../core/ppo_loss.ts";
import { reluBackward } from "../core/relu_backward.ts";
import { reluForward } from "../core/relu_forward.ts";
import { tanhBackward } from "../core/tanh_backward.ts";
import { tanhForward } from "../core/tanh_forward.ts";
import type { DenseInfo, ParamLayout } from "./types.ts";

/** Flat parameters: float32 in an engine, float64 for finite-difference checks. */
export type ParamArray = Float32Array | Float64Array;

/** The network's outputs for a batch; the buffers belong to the network and are reused by its next call. */
export interface ActorCriticForward {
  /** `[batch * n]` logits or `[batch * dim]` means; empty when only values were asked for. */
  readonly policy: Float64Array;
  /** `[batch]` critic values. */
  readonly values: Float64Array;
}

/** One minibatch for {@linkcode ReferenceActorCritic.lossAndGradient}; every field has `size` rows. */
export interface ReferenceMinibatch {
  /** Number of rows. */
  readonly size: number;
  /** `[size * obsDim]` observations. */
  readonly obs: ArrayLike<number>;
  /** `[size]` action indices or `[size * dim]` unclipped actions. */
  readonly actions: ArrayLike<number>;
  /** `[size]` log-probabilities recorded when acting. */
  readonly oldLogProbs: ArrayLike<number>;
  /** `[size]` raw advantages (normalised in the loss when `normAdv`). */
  readonly advantages: ArrayLike<number>;
  /** `[size]` value targets. */
  readonly returns: ArrayLike<number>;
  /** `[size]` values recorded when acting. */
  readonly oldValues: ArrayLike<number>;
  /** `[size * n]` action mask for categorical heads. */
  readonly mask?: ArrayLike<number>;
}

/** Options of {@linkcode ReferenceActorCritic.lossAndGradient}. */
export interface LossAndGradientOptions extends PpoLossOptions {
  /** `[layout.size]` buffer that receives dLoss/dparams (0 for a fixed log-std). */
  readonly gradient: Float64Array;
  /**
   * Separate networks only: compute just the actor's terms (policy loss, entropy, KL, clipfrac and the actor
   * tensors' gradients, log-std included) or just the critic's (value loss and the critic tensors' gradients),
   * leaving the rest of `gradient` as it is and the other part's loss terms at 0. Each part's numbers are
   * bit-identical to the whole computation's, so two threads can compute one part each.
   * @default {"both"}
   */
  readonly part?: "both" | "actor" | "critic";
}

interface Chain {
  readonly layers: readonly DenseInfo[];
  /** Whether the last layer is followed by the activation (trunk layers are, heads are not). */
  readonly activateLast: boolean;
}

interface Workspace {
  readonly outputs: Float64Array[][];
  readonly grads: Float64Array[][];
  /** `[batch]` zeros standing in for the part not computed (values, log-probs, entropies). */
  readonly zeros: Float64Array;
  /** The loss's per-sample buffers, so a train step allocates no arrays. */
  readonly loss: PpoHeadLossBuffers;
}

const MAX_WORKSPACES = 4;
const EMPTY = new Float64Array(0);

/**
 * The actor-critic MLP in plain TypeScript with float64 arithmetic: forward pass, PPO loss and exact
 * back-propagation to every parameter. It is the oracle the kernels are checked against and the compute
 * inside the reference engine.
 *
 * Activations are kept in buffers cached per batch size (a rollout batch and a minibatch alternate, so a few
 * sizes are kept), so repeated calls allocate little. Parameters are passed to each call, as float32 (an
 * engine's) or float64 (a finite-difference check's).
 *
 * @example
 * ```ts
 * import { ReferenceActorCritic } from "./reference_actor_critic.ts";
 * import { paramLayout } from "./param_layout.ts";
 * import assert from "node:assert/strict";
 *
 * const layout = paramLayout({
 *   obsDim: 2, head: { kind: "categorical", n: 3 }, hidden: [4], activation: "tanh", shared: false,
 * });
 * const network = new ReferenceActorCritic(layout);
 * const out = network.forward(new Float64Array(layout.size), [0.1, 0.2], 1);
 * assert.deepEqual(Array.from(out.policy), [0, 0, 0]); // all-zero parameters
 * ```
 */
export class ReferenceActorCritic {
  /** The layout this network reads its parameters with. */
  readonly layout: ParamLayout;
  #trunk: Chain;
  #actor: Chain;
  #critic: Chain;
  #workspaces = new Map<number, Workspace>();

  /**
   * Creates the network for a layout.
   *
   * @param layout The parameter layout (from `paramLayout`).
   */
  constructor(layout: ParamLayout) {
    this.layout = layout;
    this.#trunk = { layers: layout.trunk, activateLast: true };
    this.#actor = { layers: layout.actor, activateLast: false };
    this.#critic = { layers: layout.critic, activateLast: false };
  }

  /**
   * Runs the network on a batch of observations.
   *
   * @param params `[layout.size]` parameters.
   * @param obs `[batch * obsDim]` observations.
   * @param batch Number of rows.
   * @param options `valuesOnly` skips the policy head (and a separate actor).
   * @returns Policy-head outputs and values, in buffers reused by the next call with this batch size.
   */
  forward(
    params: ParamArray,
    obs: ArrayLike<number>,
    batch: number,
    options: { readonly valuesOnly?: boolean; readonly policyOnly?: boolean } = {},
  ): ActorCriticForward {
    this.#checkShapes(params, obs, batch);
    const workspace = this.#workspace(batch);
    let features: ArrayLike<number> = obs;
    if (this.layout.config.shared) {
      features = this.#forwardChain(params, this.#trunk, obs, workspace.outputs[0]!);
    }
    const values = options.policyOnly
      ? workspace.zeros
      : this.#forwardChain(params, this.#critic, features, workspace.outputs[2]!);
    const policy = options.valuesOnly
      ? EMPTY
      : this.#forwardChain(params, this.#actor, features, workspace.outputs[1]!);
    return { policy, values };
  }

  /**
   * Computes CleanRL's PPO loss on a minibatch and writes its gradient with respect to every parameter.
   *
   * Both heads' gradients meet at a shared trunk's output and flow back through it together. A fixed
   * log-std gets gradient 0; the gradient is neither clipped nor checked here.
   *
   * @param params `[layout.size]` parameters.
   * @param minibatch Observations, actions and recorded rollout data.
   * @param options PPO hyperparameters and the gradient buffer.
   * @returns The loss parts and diagnostics.
   */
  lossAndGradient(
    params: ParamArray,
    minibatch: ReferenceMinibatch,
    options: LossAndGradientOptions,
  ): PpoLossParts {
    const { layout } = this;
    const { gradient } = options;
    if (gradient.length !== layout.size) {
      throw new TypeError(
        `Cannot compute the gradient as the gradient buffer must have ${layout.size} entries: current length is ${gradient.length}`,
      );
    }
    const batch = minibatch.size;
    const part = options.part ?? "both";
    if (part !== "both") {
      if (layout.config.shared) {
        throw new TypeError(
          `Cannot compute a part of the gradient as the actor and critic share a trunk: current value is ${part}`,
        );
      }
      return part === "actor"
        ? this.#actorLossAndGradient(params, minibatch, options)
        : this.#criticLossAndGradient(params, minibatch, options);
    }
    const { policy, values } = this.forward(params, minibatch.obs, batch);
    const head = layout.config.head;
    const outputs = headOutputs(layout, policy, values, this.#logStd(params), minibatch.mask);
    const workspace = this.#workspace(batch);
    const result = ppoHeadLoss(outputs, minibatch, options, workspace.loss);

    gradient.fill(0);
    const { shared } = layout.config;
    const trunkOutputs = workspace.outputs[0]!;
    const features = shared ? trunkOutputs[trunkOutputs.length - 1]! : minibatch.obs;
    const trunkGrad = shared ? workspace.grads[0]![trunkOutputs.length - 1]! : null;
    this.#backwardChain(
      params,
      this.#actor,
      features,
      workspace,
      1,
      result.gradPolicy,
      gradient,
      trunkGrad,
      false,
    );
    this.#backwardChain(
      params,
      this.#critic,
      features,
      workspace,
      2,
      result.gradValues,
      gradient,
      trunkGrad,
      true,
    );
    if (trunkGrad !== null) {
      this.#backwardChain(params, this.#trunk, minibatch.obs, workspace, 0, trunkGrad, gradient, null, false);
    }
    if (head.kind === "gaussian" && head.logStd === "learned") {
      gradient.set(result.gradLogStd!, layout.logStdOffset);
    }
    const { loss, policyLoss, valueLoss, entropy, oldApproxKl, approxKl, clipfrac } = result;
    return { loss, policyLoss, valueLoss, entropy, oldApproxKl, approxKl, clipfrac };
  }

  /** The actor's part: policy head loss with zeros for the values, backward through the actor only. */
  #actorLossAndGradient(
    params: ParamArray,
    minibatch: ReferenceMinibatch,
    options: LossAndGradientOptions,
  ): PpoLossParts {
    const { layout } = this;
    const { gradient } = options;
    const batch = minibatch.size;
    const { policy, values } = this.forward(params, minibatch.obs, batch, { policyOnly: true });
    const head = layout.config.head;
    const outputs = headOutputs(layout, policy, values, this.#logStd(params), minibatch.mask);
    const workspace = this.#workspace(batch);
    const result = ppoHeadLoss(outputs, minibatch, options, workspace.loss);
    this.#backwardChain(
      params,
      this.#actor,
      minibatch.obs,
      workspace,
      1,
      result.gradPolicy,
      gradient,
      null,
      false,
    );
    if (head.kind === "gaussian" && head.logStd === "learned") {
      gradient.set(result.gradLogStd!, layout.logStdOffset);
    }
    const { policyLoss, entropy, oldApproxKl, approxKl, clipfrac } = result;
    return {
      loss: policyLoss - options.entCoef * entropy,
      policyLoss,
      valueLoss: 0,
      entropy,
      oldApproxKl,
      approxKl,
      clipfrac,
    };
  }

  /** The critic's part: the value loss from zero log-probs and entropies, backward through the critic only. */
  #criticLossAndGradient(
    params: ParamArray,
    minibatch: ReferenceMinibatch,
    options: LossAndGradientOptions,
  ): PpoLossParts {
    const batch = minibatch.size;
    const { values } = this.forward(params, minibatch.obs, batch, { valuesOnly: true });
    const workspace = this.#workspace(batch);
    const zeros = workspace.zeros;
    const { oldLogProbs, advantages, returns, oldValues } = minibatch;
    const loss = ppoLoss(
      { logProbs: zeros, entropy: zeros, values, oldLogProbs, advantages, returns, oldValues },
      { ...options, normAdv: false, roundLogProbs: false },
      workspace.loss,
    );
    this.#backwardChain(
      params,
      this.#critic,
      minibatch.obs,
      workspace,
      2,
      loss.gradValues,
      options.gradient,
      null,
      false,
    );
    const { valueLoss } = loss;
    return {
      loss: options.vfCoef * valueLoss,
      policyLoss: 0,
      valueLoss,
      entropy: 0,
      oldApproxKl: 0,
      approxKl: 0,
      clipfrac: 0,
    };
  }

  /** The `[dim]` log-std of a gaussian head inside `params` (empty for a categorical head). */
  #logStd(params: ParamArray): ParamArray {
    const head = this.layout.config.head;
    const offset = this.layout.logStdOffset;
    return params.subarray(offset, offset + (head.kind === "gaussian" ? head.dim : 0));
  }

  #forwardChain(
    params: ParamArray,
    chain: Chain,
    input: ArrayLike<number>,
    outputs: Float64Array[],
  ): Float64Array {
    const relu = this.layout.config.activation === "relu";
    let x = input;
    chain.layers.forEach((info, l) => {
      const y = denseForward(x, denseView(params, info), { out: outputs[l]! });
      if (chain.activateLast || l < chain.layers.length - 1) {
        if (relu) reluForward(y, { out: y });
        else tanhForward(y, { out: y });
      }
      x = y;
    });
    return outputs[chain.layers.length - 1]!;
  }

  /**
   * Back-propagates `gradLast` (dL/d of the chain's last output, overwritten in place) through a chain, writing
   * its parameter gradients into `gradient` and, when `gradInput` is given, dL/dinput into it (added when
   * `accumulateInput`, for the second head reading a shared trunk).
   */
  #backwardChain(
    params: ParamArray,
    chain: Chain,
    input: ArrayLike<number>,
    workspace: Workspace,
    chainIndex: number,
    gradLast: Float64Array,
    gradient: Float64Array,
    gradInput: Float64Array | null,
    accumulateInput: boolean,
  ): void {
    const relu = this.layout.config.activation === "relu";
    const outputs = workspace.outputs[chainIndex]!;
    const grads = workspace.grads[chainIndex]!;
    const last = chain.layers.length - 1;
    for (let l = last; l >= 0; l--) {
      const info = chain.layers[l]!;
      const gradOutput = l === last ? gradLast : grads[l]!;
      if (chain.activateLast || l < last) {
        if (relu) reluBackward(outputs[l]!, gradOutput, { out: gradOutput });
        else tanhBackward(outputs[l]!, gradOutput, { out: gradOutput });
      }
      const target = l > 0 ? grads[l - 1]! : gradInput;
      const options: DenseBackwardOptions = {
        layer: denseView(params, info),
        gradWeight: gradient.subarray(info.weightOffset, info.weightOffset + info.outDim * info.inDim),
        gradBias: gradient.subarray(info.biasOffset, info.biasOffset + info.outDim),
        // Parameter gradients start at zero and each layer owns its own, so accumulating is only needed for
        // the input gradient of a second head; it is harmless for the zeroed parameter slices.
        accumulate: l === 0 && accumulateInput,
      };
      denseBackward(
        l === 0 ? input : outputs[l - 1]!,
        gradOutput,
        target === null ? { ...options, computeGradInput: false } : { ...options, gradInput: target },
      );
    }
  }

  #checkShapes(params: ParamArray, obs: ArrayLike<number>, batch: number): void {
    const { layout } = this;
    if (params.length !== layout.size) {
      throw new TypeError(
        `Cannot run the network as params must have ${layout.size} entries: current length is ${params.length}`,
      );
    }
    if (!Number.isInteger(batch) || batch < 1) {
      throw new RangeError(
        `Cannot run the network as batch must be a positive integer: current value is ${batch}`,
      );
    }
    if (obs.length !== batch * layout.config.obsDim) {
      throw new TypeError(
        `Cannot run the network as obs must have batch * obsDim = ${
          batch * layout.config.obsDim
        } entries: current length is ${obs.length}`,
      );
    }
  }

  #workspace(batch: number): Workspace {
    const cached = this.#workspaces.get(batch);
    if (cached !== undefined) {
      // Re-insert to keep the map in least-recently-used order.
      this.#workspaces.delete(batch);
      this.#workspaces.set(batch, cached);
      return cached;
    }
    if (this.#workspaces.size >= MAX_WORKSPACES) {
      this.#workspaces.delete(this.#workspaces.keys().next().value!);
    }
    const chains = [this.#trunk, this.#actor, this.#critic];
    const allocate = () => chains.map((c) => c.layers.map((info) => new Float64Array(batch * info.outDim)));
    const head = this.layout.config.head;
    const headDim = head.kind === "categorical" ? head.n : head.dim;
    const loss = ppoHeadLossBuffers(batch, headDim, head.kind === "categorical" ? 0 : head.dim);
    const workspace = { outputs: allocate(), grads: allocate(), zeros: new Float64Array(batch), loss };
    this.#workspaces.set(batch, workspace);
    return workspace;
  }
}

function denseView(params: ParamArray, info: DenseInfo): DenseLayer {
  return {
    weight: params.subarray(info.weightOffset, info.weightOffset + info.outDim * info.inDim),
    bias: params.subarray(info.biasOffset, info.biasOffset + info.outDim),
    inDim: info.inDim,
    outDim: info.outDim,
  };
}
