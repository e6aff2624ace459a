/**
 * The plain-TypeScript policy engine's implementation, shared by the reference and the threaded engine.
 *
 * @module
 */
import { type PartSteps, stateSteps, stepsAfter, stepsOf, trainedPart } from "./_part_steps.ts";
import { type AdamRange, adamStep } from "../core/adam_step.ts";
import { clipGradNorm } from "../core/clip_grad_norm.ts";
import { type LossAndGradientOptions, ReferenceActorCritic } from "./reference_actor_critic.ts";
import type { PpoLossParts } from "../core/ppo_loss.ts";
import type { ReferencePolicy } from "./reference_policy.ts";
import {
  checkAct,
  checkEvaluate,
  checkLength,
  checkMinibatch,
  checkObs,
  checkOptimizerState,
  checkParams,
  checkTrainOptions,
} from "./_check_inputs.ts";
import { actFromOutputs, type ActScratch, actScratch, evaluateFromOutputs } from "./_heads.ts";
import type { EngineName } from "./engines.ts";
import type {
  ActInput,
  ActOutput,
  EvaluateOutput,
  MinibatchData,
  OptimizerState,
  ParamLayout,
  TensorInfo,
  TrainStepOptions,
  TrainStepStats,
} from "./types.ts";

/** What a {@linkcode ReferencePolicyEngine} may get from its creator instead of its own defaults. */
export interface EngineParts {
  /** The engine's name in the table. */
  readonly engine: EngineName;
  /** Two `[layout.size]` buffers: the live parameters (holding the initial values) and Adam's scratch copy. */
  readonly params: readonly [Float32Array, Float32Array];
  /** `[layout.size]` gradient buffer. */
  readonly gradient: Float64Array;
  /** Writes dLoss/dparams into `options.gradient` for the parameters in `params` (one of the two buffers). */
  readonly lossAndGradient: (
    params: Float32Array,
    minibatch: MinibatchData,
    options: LossAndGradientOptions,
  ) => PpoLossParts;
  /** Frees what the parts hold (workers). */
  readonly dispose: () => void;
}

/**
 * The plain-TypeScript engine behind `createReferencePolicy` (and, with its gradient computed on two threads,
 * `createThreadedPolicy`): validation, acting, evaluation, global-norm clipping and Adam in one place, so every
 * engine built on it computes the same numbers.
 */
export class ReferencePolicyEngine implements ReferencePolicy {
  readonly layout: ParamLayout;
  readonly engine: EngineName;
  #network: ReferenceActorCritic;
  #lossAndGradient: EngineParts["lossAndGradient"];
  #disposeParts: () => void;
  #params: Float32Array;
  #m: Float32Array;
  #v: Float32Array;
  /** Adam steps per group: part-wise steps count only for their part, as two optimizers would. */
  #steps: PartSteps = { actor: 0, critic: 0 };
  #gradient: Float64Array;
  // Adam writes into these copies first, so a rejected update leaves the live state untouched.
  #nextParams: Float32Array;
  #nextM: Float32Array;
  #nextV: Float32Array;
  #disposed = false;
  #scratch: ActScratch | undefined;
  readonly #adamRanges: { offset: number; size: number; learningRate: number; critic: boolean }[];

  /**
   * @param layout The network's layout.
   * @param params The initial parameters (taken, not copied), or the buffers and gradient of an engine's parts.
   */
  constructor(layout: ParamLayout, params: Float32Array | EngineParts) {
    this.layout = layout;
    const network = new ReferenceActorCritic(layout);
    this.#network = network;
    if (params instanceof Float32Array) {
      this.engine = "reference";
      this.#params = params;
      this.#nextParams = new Float32Array(layout.size);
      this.#gradient = new Float64Array(layout.size);
      this.#lossAndGradient = (p, minibatch, options) => network.lossAndGradient(p, minibatch, options);
      this.#disposeParts = () => {};
    } else {
      this.engine = params.engine;
      [this.#params, this.#nextParams] = params.params;
      this.#gradient = params.gradient;
      this.#lossAndGradient = params.lossAndGradient;
      this.#disposeParts = params.dispose;
    }
    this.#adamRanges = layout.tensors.filter((t) => t.trainable).map((t) => ({
      offset: t.offset,
      size: t.size,
      learningRate: 0,
      critic: t.group === "critic",
    }));
    this.#m = new Float32Array(layout.size);
    this.#v = new Float32Array(layout.size);
    this.#nextM = new Float32Array(layout.size);
    this.#nextV = new Float32Array(layout.size);
  }

  act(input: ActInput, out: ActOutput): void {
    this.#checkAlive("act");
    checkAct(this.layout, input, out);
    const { policy, values } = this.#network.forward(this.#params, input.obs, input.batch);
    this.#scratch = actScratch(this.#scratch, input.batch);
    actFromOutputs(this.layout, policy, values, this.#logStd(), input, out, this.#scratch);
  }

  values(obs: Float32Array, batch: number, out: Float32Array): void {
    this.#checkAlive("compute values");
    checkObs(this.layout, obs, batch, "compute values");
    checkLength(out, batch, "compute values", "out");
    out.set(this.#network.forward(this.#params, obs, batch, { valuesOnly: true }).values);
  }

  evaluate(
    obs: Float32Array,
    actions: Float32Array,
    batch: number,
    out: EvaluateOutput,
    mask?: Uint8Array,
  ): void {
    this.#checkAlive("evaluate");
    checkEvaluate(this.layout, obs, actions, batch, out);
    const { policy, values } = this.#network.forward(this.#params, obs, batch);
    evaluateFromOutputs(this.layout, policy, values, this.#logStd(), actions, mask, out);
  }

  trainStep(minibatch: MinibatchData, options: TrainStepOptions): TrainStepStats {
    this.#checkAlive("train");
    checkTrainOptions(options);
    checkMinibatch(this.layout, minibatch);
    const part = trainedPart(this.layout, options);
    const steps = stepsAfter(this.#steps, part);
    const step = part === "critic" ? steps.critic : steps.actor;
    const gradient = this.#gradient;
    const computed = this.#lossAndGradient(this.#params, minibatch, {
      gradient,
      clipCoef: options.clipCoef,
      clipVloss: options.clipVloss,
      entCoef: options.entCoef,
      vfCoef: options.vfCoef,
      normAdv: options.normAdv,
      // Old log-probs are float32; rounding the new ones the same way makes an unchanged policy's ratio 1.
      roundLogProbs: true,
      part,
    });
    // A part's computation leaves the other part's entries as they were (a split one may fill them): zeroed, they
    // neither move nor count in the clipped norm.
    const stats = part === "both" ? computed : this.#keepPart(computed, part);
    // Gradients first: the tensor they name is more useful than the loss they usually come with.
    this.#checkTensors(gradient, "gradient", step);
    if (!Number.isFinite(stats.loss)) {
      throw new RangeError(
        `Cannot apply update as the loss is not finite at optimizer step ${step}: current value is ${stats.loss}`,
      );
    }
    const { norm } = clipGradNorm(gradient, options.maxGradNorm);
    this.#nextParams.set(this.#params);
    this.#nextM.set(this.#m);
    this.#nextV.set(this.#v);
    const next = { params: this.#nextParams, m: this.#nextM, v: this.#nextV };
    const ranges = this.#ranges(options);
    for (const group of ["actor", "critic"] as const) {
      const groupRanges = ranges.filter((range) => range.critic === (group === "critic"));
      if (groupRanges.length === 0) continue;
      adamStep(next, gradient, {
        step: steps[group],
        learningRate: options.learningRate,
        eps: options.adamEps ?? 1e-5,
        ranges: groupRanges,
      });
    }
    this.#checkTensors(next.m, "first moment", step);
    this.#checkTensors(next.v, "second moment", step);
    this.#checkTensors(next.params, "updated value", step);
    [this.#params, this.#nextParams] = [this.#nextParams, this.#params];
    [this.#m, this.#nextM] = [this.#nextM, this.#m];
    [this.#v, this.#nextV] = [this.#nextV, this.#v];
    this.#steps = steps;
    return {
      policyLoss: stats.policyLoss,
      valueLoss: stats.valueLoss,
      entropy: stats.entropy,
      oldApproxKl: stats.oldApproxKl,
      approxKl: stats.approxKl,
      clipfrac: stats.clipfrac,
      gradNorm: norm,
    };
  }

  getParams(): Float32Array {
    this.#checkAlive("get parameters");
    return this.#params.slice();
  }

  setParams(params: Float32Array): void {
    this.#checkAlive("set parameters");
    checkParams(this.layout, params, "set parameters");
    this.#params.set(params);
  }

  getOptimizerState(): OptimizerState {
    this.#checkAlive("get the optimizer state");
    return { m: this.#m.slice(), v: this.#v.slice(), ...stateSteps(this.#steps) };
  }

  setOptimizerState(state: OptimizerState): void {
    this.#checkAlive("set the optimizer state");
    checkOptimizerState(this.layout, state);
    this.#m.set(state.m);
    this.#v.set(state.v);
    this.#steps = stepsOf(state);
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#disposeParts();
  }

  #logStd(): Float32Array {
    const offset = this.layout.logStdOffset;
    const head = this.layout.config.head;
    return this.#params.subarray(offset, offset + (head.kind === "gaussian" ? head.dim : 0));
  }

  /**
   * Adam ranges: every trainable tensor at its group's learning rate (one list, updated in place), or only those
   * of the part being trained.
   */
  #ranges(options: TrainStepOptions): (AdamRange & { readonly critic: boolean })[] {
    const criticRate = options.criticLearningRate ?? options.learningRate;
    const ranges = this.#adamRanges;
    for (const range of ranges) range.learningRate = range.critic ? criticRate : options.learningRate;
    const part = options.part ?? "both";
    return part === "both" ? ranges : ranges.filter((range) => range.critic === (part === "critic"));
  }

  /** Zeroes the gradient and the loss terms of the part not trained. */
  #keepPart(stats: PpoLossParts, part: "actor" | "critic"): PpoLossParts {
    for (const tensor of this.layout.tensors) {
      if ((tensor.group === "critic") !== (part === "critic")) {
        this.#gradient.fill(0, tensor.offset, tensor.offset + tensor.size);
      }
    }
    return part === "actor" ? { ...stats, valueLoss: 0 } : {
      ...stats,
      policyLoss: 0,
      entropy: 0,
      oldApproxKl: 0,
      approxKl: 0,
      clipfrac: 0,
    };
  }

  #checkTensors(values: Float32Array | Float64Array, what: string, step: number): void {
    // One pass of plain additions finds out whether anything is non-finite (a sum of finite float32 values is
    // finite in float64); only then is the tensor named, which is the slow part.
    let sum = 0;
    for (let i = 0; i < values.length; i++) sum += values[i]!;
    if (Number.isFinite(sum)) return;
    for (const tensor of this.layout.tensors) {
      const bad = firstNonFinite(values, tensor);
      if (bad !== undefined) {
        throw new RangeError(
          `Cannot apply update as the ${what} of ${tensor.name} is not finite at optimizer step ${step}: current value is ${bad}`,
        );
      }
    }
  }

  #checkAlive(action: string): void {
    if (this.#disposed) throw new Error(`Cannot ${action} as the reference policy was disposed`);
  }
}

function firstNonFinite(values: Float32Array | Float64Array, tensor: TensorInfo): number | undefined {
  for (let i = tensor.offset; i < tensor.offset + tensor.size; i++) {
    if (!Number.isFinite(values[i]!)) return values[i]!;
  }
  return undefined;
}
