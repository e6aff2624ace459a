/**
 * The contract between the training pipeline and the compute engines (plain TypeScript reference or gpu.js
 * kernels). Every engine implements {@linkcode PolicyEngine}; all data is struct-of-arrays `Float32Array`s.
 *
 * @module
 */
import type { EngineName } from "./engines.ts";

/** Hidden-layer activation. */
export type Activation = "tanh" | "relu";

/** The policy's action distribution. */
export type ActionHead =
  | { readonly kind: "categorical"; readonly n: number }
  | {
    readonly kind: "gaussian";
    readonly dim: number;
    /** `"learned"`: state-independent log-std trained with the policy; `"fixed"`: never trained. */
    readonly logStd: "learned" | "fixed";
    /** Initial (or fixed) log standard deviation. @default {0} */
    readonly initLogStd: number;
  };

/** Shape of an actor-critic network. */
export interface ActorCriticConfig {
  /** Values in one observation: the input width of every network. */
  readonly obsDim: number;
  /** The action distribution the policy outputs. */
  readonly head: ActionHead;
  /** Hidden layer widths. @default {[64, 64]} */
  readonly hidden: readonly number[];
  /** Activation after every hidden layer. @default {"tanh"} */
  readonly activation: Activation;
  /** One trunk with a policy head and a value head, instead of separate actor and critic MLPs. @default {false} */
  readonly shared: boolean;
}

/** Which optimizer group a tensor belongs to (separate actor/critic learning rates). */
export type ParamGroup = "actor" | "critic";

/** One named tensor inside the flat parameter vector. Dense weights are row-major `[out, in]`, as PyTorch. */
export interface TensorInfo {
  /** Name as in a PyTorch state dict, such as `"actor.0.weight"`. */
  readonly name: string;
  /** Tensor shape, row-major. */
  readonly shape: readonly number[];
  /** Index of the tensor's first value in the flat vector. */
  readonly offset: number;
  /** Number of values (the product of `shape`). */
  readonly size: number;
  /** The optimizer group, which picks the learning rate. */
  readonly group: ParamGroup;
  /** False for a fixed log-std: it is stored but never updated. */
  readonly trainable: boolean;
}

/** A dense layer inside the flat parameter vector. */
export interface DenseInfo {
  /** Input width. */
  readonly inDim: number;
  /** Output width. */
  readonly outDim: number;
  /** Offset of the `[outDim, inDim]` weight matrix. */
  readonly weightOffset: number;
  /** Offset of the `[outDim]` bias. */
  readonly biasOffset: number;
  /** Orthogonal-initialisation gain: sqrt(2) hidden, 0.01 policy head, 1 value head. */
  readonly gain: number;
}

/** Where everything lives in the flat parameter vector. */
export interface ParamLayout {
  /** The network shape this layout was built from. */
  readonly config: ActorCriticConfig;
  /** Every tensor in storage order. */
  readonly tensors: readonly TensorInfo[];
  /** Total number of parameters. */
  readonly size: number;
  /** Dense layers of the shared trunk (empty unless `shared`). */
  readonly trunk: readonly DenseInfo[];
  /** Actor layers, the last one being the policy head (logits or means). With `shared`, only the head. */
  readonly actor: readonly DenseInfo[];
  /** Critic layers, the last one being the value head (1 output). With `shared`, only the head. */
  readonly critic: readonly DenseInfo[];
  /** Offset of the `[dim]` log-std vector, or -1 for categorical heads. */
  readonly logStdOffset: number;
}

/** Inputs of {@linkcode PolicyEngine.act}. */
export interface ActInput {
  /** `[batch * obsDim]` observations. */
  readonly obs: Float32Array;
  /** Number of observations (rows), usually `numEnvs`. */
  readonly batch: number;
  /**
   * Pre-drawn noise from the run's seeded generator, so every backend samples the same actions:
   * `[batch]` uniforms in [0, 1) for categorical heads (inverse-CDF sampling), `[batch * dim]` standard normals
   * for gaussian heads (`action = mean + std * noise`). Ignored when `deterministic`.
   */
  readonly noise: Float32Array;
  /** Optional `[batch * n]` action mask for categorical heads: 0 = never pick this action. */
  readonly mask?: Uint8Array;
  /** Greedy actions: argmax for categorical, the mean for gaussian. @default {false} */
  readonly deterministic?: boolean;
}

/** Outputs of {@linkcode PolicyEngine.act}, written into caller-owned buffers. */
export interface ActOutput {
  /** `[batch * actionDim]` actions (categorical: the index as a float, actionDim 1). Unclipped. */
  readonly actions: Float32Array;
  /** `[batch]` log-probabilities of the actions. */
  readonly logProbs: Float32Array;
  /** `[batch]` critic values. */
  readonly values: Float32Array;
}

/** Outputs of {@linkcode PolicyEngine.evaluate}. */
export interface EvaluateOutput {
  /** `[batch]` log-probabilities of the given actions under the current policy. */
  readonly logProbs: Float32Array;
  /** `[batch]` entropies of the current policy. */
  readonly entropy: Float32Array;
  /** `[batch]` critic values. */
  readonly values: Float32Array;
}

/** One minibatch for {@linkcode PolicyEngine.trainStep}; every array has `size` rows. */
export interface MinibatchData {
  /** Rows in the minibatch (CleanRL's `minibatch_size`). */
  readonly size: number;
  /** `[size * obsDim]` observations. */
  readonly obs: Float32Array;
  /** `[size * actionDim]` actions taken, unclipped. */
  readonly actions: Float32Array;
  /** `[size]` log-probabilities recorded when acting. */
  readonly oldLogProbs: Float32Array;
  /** Raw advantages; normalised inside the loss when `normAdv`. */
  readonly advantages: Float32Array;
  /** `[size]` value targets (advantages + values at collection). */
  readonly returns: Float32Array;
  /** `[size]` values recorded when acting (for value clipping). */
  readonly oldValues: Float32Array;
  /** Optional `[size * n]` action mask of a categorical head, as given when acting. */
  readonly mask?: Uint8Array;
}

/** Hyperparameters of one optimizer step (CleanRL names). */
export interface TrainStepOptions {
  /** Learning rate of the actor group (and of everything when `criticLearningRate` is absent). */
  readonly learningRate: number;
  /** Learning rate of the critic group, when it differs from the actor's. @default {learningRate} */
  readonly criticLearningRate?: number;
  /** Surrogate clipping coefficient, also used for value clipping (CleanRL's `clip_coef`, default 0.2). */
  readonly clipCoef: number;
  /** Clip the value loss around the old values (CleanRL's `clip_vloss`, default true). */
  readonly clipVloss: boolean;
  /** Weight of the entropy bonus (CleanRL's `ent_coef`, default 0.01). */
  readonly entCoef: number;
  /** Weight of the value loss (CleanRL's `vf_coef`, default 0.5). */
  readonly vfCoef: number;
  /** Global gradient-norm clip; `Infinity` disables it. */
  readonly maxGradNorm: number;
  /** Normalise advantages per minibatch (CleanRL's `norm_adv`, default true). */
  readonly normAdv: boolean;
  /** Adam epsilon. @default {1e-5} */
  readonly adamEps?: number;
  /**
   * Which network the step trains, for separate actor and critic networks (a shared trunk refuses a part):
   * `"actor"` minimises the clipped surrogate minus the entropy bonus and updates only the actor group's
   * tensors (the log-std included), `"critic"` minimises `vfCoef` times the value loss and updates only the
   * critic group's. The other group's parameters and Adam moments stay exactly as they were; the gradient norm
   * that is clipped and reported is the part's own, and the other part's loss terms are reported as 0. Each part
   * counts its own Adam steps (see {@linkcode OptimizerState}).
   * @default {"both"}
   */
  readonly part?: "both" | "actor" | "critic";
}

/** Loss parts and diagnostics of one optimizer step, computed before the parameters changed. */
export interface TrainStepStats {
  /** Clipped surrogate loss (`losses/policy_loss`). */
  readonly policyLoss: number;
  /** Value loss, `0.5 * mean(squared error)` (`losses/value_loss`). */
  readonly valueLoss: number;
  /** Mean policy entropy (`losses/entropy`). */
  readonly entropy: number;
  /** `mean(-logratio)` (`losses/old_approx_kl`). */
  readonly oldApproxKl: number;
  /** `mean((ratio - 1) - logratio)`, the k3 estimator (`losses/approx_kl`). */
  readonly approxKl: number;
  /** Fraction of rows with `|ratio - 1| > clipCoef` (`losses/clipfrac`). */
  readonly clipfrac: number;
  /** Global gradient norm before clipping. */
  readonly gradNorm: number;
}

/**
 * Adam's state: first and second moments (same layout as the parameters) and the step counts that drive the bias
 * correction. Part-wise training gives the actor and the critic separate optimizers, as two would be: a step of
 * one part counts only for that part's tensors.
 */
export interface OptimizerState {
  /** First-moment estimates, one per parameter. */
  readonly m: Float32Array;
  /** Second-moment estimates, one per parameter. */
  readonly v: Float32Array;
  /** Adam steps taken by the actor group (and by everything when `criticStep` is absent). */
  readonly step: number;
  /** Adam steps taken by the critic group, when part-wise steps made it differ from `step`. @default {step} */
  readonly criticStep?: number;
}

/** A batched actor-critic that acts, evaluates and trains; methods may return promises (async backends). */
export interface PolicyEngine {
  /** Where each tensor lives in the flat parameter vector. */
  readonly layout: ParamLayout;
  /**
   * The engine of the table `ENGINES` that runs the networks (the threaded engine runs a shared trunk as
   * `"reference"`).
   */
  readonly engine: EngineName;
  /**
   * The gpu.js backend whose kernels ran the last plan, on the `gpujs` engine (`"webgpu"` also when rollouts run
   * on the host); absent on the other engines.
   */
  readonly backend?: string | undefined;
  /**
   * Samples (or, when `deterministic`, picks) actions for a batch of observations, with their
   * log-probabilities and values.
   */
  act(input: ActInput, out: ActOutput): void | Promise<void>;
  /** Critic values of `[batch * obsDim]` observations into `out[batch]`. */
  values(obs: Float32Array, batch: number, out: Float32Array): void | Promise<void>;
  /**
   * Log-probabilities and entropies of given actions, and values, under the current parameters (no gradient).
   */
  evaluate(
    obs: Float32Array,
    actions: Float32Array,
    batch: number,
    out: EvaluateOutput,
  ): void | Promise<void>;
  /** Loss, backward, global grad-norm clip and one Adam step; throws on non-finite gradients or parameters. */
  trainStep(minibatch: MinibatchData, options: TrainStepOptions): TrainStepStats | Promise<TrainStepStats>;
  /** A host copy of the flat parameters. */
  getParams(): Float32Array;
  /** Replaces the flat parameters (`layout.size` values). */
  setParams(params: Float32Array): void;
  /** A host copy of Adam's moments and step count. */
  getOptimizerState(): OptimizerState;
  /** Replaces Adam's moments and step count (resume). */
  setOptimizerState(state: OptimizerState): void;
  /** Frees backend resources (workers, GPU buffers). */
  dispose(): void;
}
