/**
 * The contract between the training pipeline and the compute engines (plain TypeScript reference or gpu.js
 * kernels). Every engine implements {@linkcode PolicyEngine}; all data is struct-of-arrays `Float32Array`s.
 *
 * @module
 */

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
  readonly obsDim: number;
  readonly head: ActionHead;
  /** Hidden layer widths. @default {[64, 64]} */
  readonly hidden: readonly number[];
  /** @default {"tanh"} */
  readonly activation: Activation;
  /** One trunk with a policy head and a value head, instead of separate actor and critic MLPs. @default {false} */
  readonly shared: boolean;
}

/** Which optimizer group a tensor belongs to (separate actor/critic learning rates). */
export type ParamGroup = "actor" | "critic";

/** One named tensor inside the flat parameter vector. Dense weights are row-major `[out, in]`, as PyTorch. */
export interface TensorInfo {
  readonly name: string;
  readonly shape: readonly number[];
  readonly offset: number;
  readonly size: number;
  readonly group: ParamGroup;
  /** False for a fixed log-std: it is stored but never updated. */
  readonly trainable: boolean;
}

/** A dense layer inside the flat parameter vector. */
export interface DenseInfo {
  readonly inDim: number;
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
  readonly config: ActorCriticConfig;
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
  readonly logProbs: Float32Array;
  readonly entropy: Float32Array;
  readonly values: Float32Array;
}

/** One minibatch for {@linkcode PolicyEngine.trainStep}; every array has `size` rows. */
export interface MinibatchData {
  readonly size: number;
  readonly obs: Float32Array;
  readonly actions: Float32Array;
  readonly oldLogProbs: Float32Array;
  /** Raw advantages; normalised inside the loss when `normAdv`. */
  readonly advantages: Float32Array;
  readonly returns: Float32Array;
  readonly oldValues: Float32Array;
  readonly mask?: Uint8Array;
}

/** Hyperparameters of one optimizer step (CleanRL names). */
export interface TrainStepOptions {
  /** Learning rate of the actor group (and of everything when `criticLearningRate` is absent). */
  readonly learningRate: number;
  readonly criticLearningRate?: number;
  readonly clipCoef: number;
  readonly clipVloss: boolean;
  readonly entCoef: number;
  readonly vfCoef: number;
  /** Global gradient-norm clip; `Infinity` disables it. */
  readonly maxGradNorm: number;
  readonly normAdv: boolean;
  /** Adam epsilon. @default {1e-5} */
  readonly adamEps?: number;
}

/** Loss parts and diagnostics of one optimizer step, computed before the parameters changed. */
export interface TrainStepStats {
  readonly policyLoss: number;
  readonly valueLoss: number;
  readonly entropy: number;
  readonly oldApproxKl: number;
  readonly approxKl: number;
  readonly clipfrac: number;
  /** Global gradient norm before clipping. */
  readonly gradNorm: number;
}

/** Adam's state: first and second moments (same layout as the parameters) and the step count. */
export interface OptimizerState {
  readonly m: Float32Array;
  readonly v: Float32Array;
  readonly step: number;
}

/** A batched actor-critic that acts, evaluates and trains; methods may return promises (async backends). */
export interface PolicyEngine {
  readonly layout: ParamLayout;
  /** `"reference"`, `"cpu"`, `"webasm"` or `"webgpu"`. */
  readonly backend: string;
  act(input: ActInput, out: ActOutput): void | Promise<void>;
  /** Critic values of `[batch * obsDim]` observations into `out[batch]`. */
  values(obs: Float32Array, batch: number, out: Float32Array): void | Promise<void>;
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
  setParams(params: Float32Array): void;
  getOptimizerState(): OptimizerState;
  setOptimizerState(state: OptimizerState): void;
  /** Frees backend resources (workers, GPU buffers). */
  dispose(): void;
}
