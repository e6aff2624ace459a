/**
 * The WebAssembly SIMD engine: the networks' forward and backward passes, the action distributions, the PPO
 * loss's gradient, the gradient norm and Adam run in kernels generated for the network's exact shape, on
 * parameters, moments, activations and minibatch data that stay in WebAssembly memory. Where a kernel finds an
 * input the reference would refuse (a non-finite logit, a masked action), the engine runs the reference's
 * TypeScript head on the same outputs for its error.
 *
 * @module
 */
import { headOutputs } from "./_heads.ts";
import { type PartSteps, stateSteps, stepsAfter, stepsOf, trainedPart } from "./_part_steps.ts";
import { ppoHeadLoss } from "../core/ppo_head_loss.ts";
import { type HeadViews, WasmNetwork } from "../wasm/wasm_network.ts";
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
import { actFromOutputs, actScratch, evaluateFromOutputs } from "./_heads.ts";
import type {
  ActInput,
  ActOutput,
  EvaluateOutput,
  MinibatchData,
  OptimizerState,
  ParamLayout,
  PolicyEngine,
  TrainStepOptions,
  TrainStepStats,
} from "./types.ts";

/** Options of {@linkcode createWasmPolicy}. */
export interface WasmPolicyOptions {
  /** Initial flat parameters (`layout.size` values). */
  readonly params: Float32Array;
  /**
   * Use `f32x4.relaxed_madd` where the runtime validates it (one fused instruction, faster; results are then
   * reproducible per machine) or plain multiply and add everywhere. @default {true}
   */
  readonly relaxed?: boolean;
  /**
   * The second core: `"on"` runs part of every train step on a worker (actor || critic for separate networks,
   * halves of every product for a shared trunk), `"off"` stays on one thread, `"auto"` times both in trial steps
   * and keeps the faster (again every {@linkcode RETRIAL_EVERY} steps, since other processes come and go). The
   * numbers are the same either way: every output element is one sum in a fixed order on either thread.
   * @default {"auto"}
   */
  readonly threads?: "auto" | "on" | "off";
}

/** Steps between two rounds of auto's trials. */
export const RETRIAL_EVERY = 500;
/** Trial steps per round: alternately with and without the worker. */
const TRIAL_STEPS = 8;

/**
 * Creates the WebAssembly SIMD engine for a network: compiles its kernels and loads the parameters.
 *
 * @param layout The network's parameter layout.
 * @param options Initial parameters and the multiply-add form.
 * @returns The engine (`engine` is `"wasm"`).
 *
 * @example
 * ```ts
 * import { createWasmPolicy } from "./wasm_policy.ts";
 * import { paramLayout } from "./param_layout.ts";
 * import assert from "node:assert/strict";
 *
 * const layout = paramLayout({
 *   obsDim: 4, head: { kind: "categorical", n: 2 }, hidden: [8], activation: "tanh", shared: false,
 * });
 * const engine = await createWasmPolicy(layout, { params: new Float32Array(layout.size) });
 * const values = new Float32Array(1);
 * engine.values(new Float32Array([0.1, 0.2, 0.3, 0.4]), 1, values);
 * assert.deepEqual(Array.from(values), [0]); // all-zero parameters
 * engine.dispose();
 * ```
 */
export async function createWasmPolicy(
  layout: ParamLayout,
  options: WasmPolicyOptions,
): Promise<PolicyEngine> {
  checkParams(layout, options.params, "create the wasm engine");
  const threads = options.threads ?? "auto";
  if (threads !== "auto" && threads !== "on" && threads !== "off") {
    throw new RangeError(
      `Cannot create the wasm engine as threads must be auto, on or off: current value is ${threads}`,
    );
  }
  const network = await WasmNetwork.create(layout, {
    ...(options.relaxed === undefined ? {} : { relaxed: options.relaxed }),
    worker: threads !== "off",
  });
  network.setParams(options.params);
  if (threads === "on") network.useWorker = network.hasWorker;
  return new WasmPolicyEngine(network, threads);
}

class WasmPolicyEngine implements PolicyEngine {
  readonly layout: ParamLayout;
  readonly engine = "wasm";
  readonly #network: WasmNetwork;
  readonly #actorHead: number;
  readonly #criticHead: number;
  /** Adam steps per group: part-wise steps count only for their part, as two optimizers would. */
  #steps: PartSteps = { actor: 0, critic: 0 };
  /** Train steps taken (auto's trial rounds). */
  #trainSteps = 0;
  #disposed = false;
  readonly #threads: "auto" | "on" | "off";
  /** Auto's trial round: milliseconds with and without the worker. */
  #trial = { with: 0, without: 0 };

  constructor(network: WasmNetwork, threads: "auto" | "on" | "off") {
    this.layout = network.layout;
    this.#network = network;
    this.#threads = threads;
    this.#actorHead = network.last("actor");
    this.#criticHead = network.last("critic");
  }

  /** Whether the worker runs its share of the train steps now (auto's current choice). */
  get usesWorker(): boolean {
    return this.#network.hasWorker && this.#network.useWorker;
  }

  act(input: ActInput, out: ActOutput): void {
    this.#checkAlive("act");
    checkAct(this.layout, input, out);
    const { batch, noise, mask, deterministic = false } = input;
    this.#forward(input.obs, batch, false);
    const heads = this.#network.heads(batch);
    if (!deterministic) heads.noise.set(noise);
    if (!this.#setMask(heads, mask) || this.#network.act(batch, deterministic, mask !== undefined) !== 0) {
      // A refused input: the reference's head on the same outputs throws its error.
      const { policy, values } = this.#headOutputs(batch, false);
      actFromOutputs(this.layout, policy, values, this.#logStd(), input, out, actScratch(undefined, batch));
      return;
    }
    out.actions.set(heads.actions);
    out.logProbs.set(heads.logProbs);
    this.#values(batch, out.values);
  }

  values(obs: Float32Array, batch: number, out: Float32Array): void {
    this.#checkAlive("compute values");
    checkObs(this.layout, obs, batch, "compute values");
    checkLength(out, batch, "compute values", "out");
    this.#forward(obs, batch, true);
    this.#values(batch, out);
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
    this.#forward(obs, batch, false);
    const heads = this.#network.heads(batch);
    heads.actions.set(actions);
    if (!this.#setMask(heads, mask) || this.#network.evaluate(batch, mask !== undefined) !== 0) {
      const { policy, values } = this.#headOutputs(batch, false);
      evaluateFromOutputs(this.layout, policy, values, this.#logStd(), actions, mask, out);
      return;
    }
    out.logProbs.set(heads.logProbs);
    out.entropy.set(heads.entropy);
    this.#values(batch, out.values);
  }

  trainStep(minibatch: MinibatchData, options: TrainStepOptions): TrainStepStats {
    this.#checkAlive("train");
    checkTrainOptions(options);
    checkMinibatch(this.layout, minibatch);
    // Refused here, before any trial timing: a shared trunk cannot train a part.
    trainedPart(this.layout, options);
    if (this.#threads !== "auto" || !this.#network.hasWorker) return this.#trainStep(minibatch, options);
    // Auto: the first steps of every round alternate with and without the worker; the faster stays on.
    const round = this.#trainSteps % RETRIAL_EVERY;
    if (round >= TRIAL_STEPS) return this.#trainStep(minibatch, options);
    if (round === 0) this.#trial = { with: 0, without: 0 };
    const useWorker = round % 2 === 0;
    this.#network.useWorker = useWorker;
    const start = performance.now();
    const stats = this.#trainStep(minibatch, options);
    this.#trial[useWorker ? "with" : "without"] += performance.now() - start;
    if (round === TRIAL_STEPS - 1) this.#network.useWorker = this.#trial.with < this.#trial.without;
    return stats;
  }

  #trainStep(minibatch: MinibatchData, options: TrainStepOptions): TrainStepStats {
    const { size } = minibatch;
    const part = trainedPart(this.layout, options);
    const steps = stepsAfter(this.#steps, part);
    const step = part === "critic" ? steps.critic : steps.actor;
    const network = this.#network;
    this.#forward(minibatch.obs, size, false, true);
    const heads = network.heads(size);
    heads.actions.set(minibatch.actions);
    heads.oldLogProbs.set(minibatch.oldLogProbs);
    heads.advantages.set(minibatch.advantages);
    heads.returns.set(minibatch.returns);
    heads.oldValues.set(minibatch.oldValues);
    const head = this.layout.config.head;
    const lossOptions = {
      clipCoef: options.clipCoef,
      clipVloss: options.clipVloss,
      entCoef: options.entCoef,
      vfCoef: options.vfCoef,
      normAdv: options.normAdv,
    };
    const masked = minibatch.mask !== undefined;
    // The kernel's advantage normalisation assumes two rows or more; the reference refuses fewer.
    const result = this.#setMask(heads, minibatch.mask) && !(options.normAdv && size < 2)
      ? network.loss(size, masked, lossOptions)
      : 0;
    if (typeof result === "number") {
      // A refused input: the reference's loss on the same outputs throws its error.
      const { policy, values } = this.#headOutputs(size, false);
      ppoHeadLoss(headOutputs(this.layout, policy, values, this.#logStd(), minibatch.mask), minibatch, {
        ...lossOptions,
        roundLogProbs: true,
      });
      throw new RangeError(
        `Cannot train as the wasm loss kernel refused a row the reference accepts: current value is row ${
          result - 1
        }`,
      );
    }
    // A part's loss is its own terms: the policy's (surrogate and entropy) or the value's.
    const loss = part === "actor"
      ? result.policyLoss - options.entCoef * result.entropy
      : part === "critic"
      ? options.vfCoef * result.valueLoss
      : result.loss;
    network.backward(size, part);
    const gradient = network.block("gradient");
    if (network.logStd >= 0) {
      const learned = head.kind === "gaussian" && head.logStd === "learned" && part !== "critic";
      const gradLogStd = network.gradLogStd();
      for (let i = 0; i < gradLogStd.length; i++) gradient[network.logStd + i] = learned ? gradLogStd[i]! : 0;
    }
    const squares = network.gradientSumOfSquares();
    if (!Number.isFinite(squares)) this.#refuseGradient(step);
    if (!Number.isFinite(loss)) {
      throw new RangeError(
        `Cannot apply update as the loss is not finite at optimizer step ${step}: current value is ${loss}`,
      );
    }
    // A finite, clipped gradient keeps Adam's moments and the parameters finite, so the update is applied in
    // place without the reference engine's copy-and-check.
    const norm = Math.sqrt(squares);
    const clip = options.maxGradNorm / (norm + 1e-6);
    network.adam({
      steps,
      learningRate: options.learningRate,
      criticLearningRate: options.criticLearningRate ?? options.learningRate,
      eps: options.adamEps ?? 1e-5,
      scale: clip < 1 ? clip : 1,
      trainLogStd: head.kind === "gaussian" && head.logStd === "learned",
      part,
    });
    this.#steps = steps;
    this.#trainSteps++;
    // The part not trained reports its loss terms as 0, as the reference engine does.
    const trainsPolicy = part !== "critic";
    return {
      policyLoss: trainsPolicy ? result.policyLoss : 0,
      valueLoss: part !== "actor" ? result.valueLoss : 0,
      entropy: trainsPolicy ? result.entropy : 0,
      oldApproxKl: trainsPolicy ? result.oldApproxKl : 0,
      approxKl: trainsPolicy ? result.approxKl : 0,
      clipfrac: trainsPolicy ? result.clipfrac : 0,
      gradNorm: norm,
    };
  }

  getParams(): Float32Array {
    this.#checkAlive("get parameters");
    return this.#network.gather("params");
  }

  setParams(params: Float32Array): void {
    this.#checkAlive("set parameters");
    checkParams(this.layout, params, "set parameters");
    this.#network.setParams(params);
  }

  getOptimizerState(): OptimizerState {
    this.#checkAlive("get the optimizer state");
    return { m: this.#network.gather("m"), v: this.#network.gather("v"), ...stateSteps(this.#steps) };
  }

  setOptimizerState(state: OptimizerState): void {
    this.#checkAlive("set the optimizer state");
    checkOptimizerState(this.layout, state);
    this.#network.setMoments("m", state.m);
    this.#network.setMoments("v", state.v);
    this.#steps = stepsOf(state);
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#network.dispose();
  }

  /** Runs the network on `obs`; `training` splits it over both threads (the worker's share, if any). */
  #forward(obs: Float32Array, batch: number, valuesOnly: boolean, training = false): void {
    this.#network.setInput(obs, batch);
    // A rollout step's few rows are not worth a fork-join, except through a wide shared trunk.
    this.#network.forward(batch, { valuesOnly, parallel: training || this.layout.config.shared });
  }

  /** Copies the value head's outputs of the last forward pass into `out`. */
  #values(batch: number, out: Float32Array): void {
    const critic = this.#network.last("critic");
    const view = this.#network.outputs(critic, batch);
    const stride = this.#network.layers[critic]!.outStride;
    for (let r = 0; r < batch; r++) out[r] = view[r * stride]!;
  }

  /**
   * Copies an action mask into the heads' area; false when it cannot be used (a gaussian head, a wrong
   * length), for the reference to refuse.
   */
  #setMask(heads: HeadViews, mask: Uint8Array | undefined): boolean {
    if (mask === undefined) return true;
    if (this.layout.config.head.kind !== "categorical" || mask.length !== heads.mask.length) return false;
    heads.mask.set(mask);
    return true;
  }

  /** The heads' outputs of the last forward pass as float64 (for the reference's error on refused inputs). */
  #headOutputs(batch: number, valuesOnly: boolean): { policy: Float64Array; values: Float64Array } {
    const head = this.layout.config.head;
    const policy = new Float64Array(
      valuesOnly ? 0 : batch * (head.kind === "categorical" ? head.n : head.dim),
    );
    const values = new Float64Array(batch);
    if (!valuesOnly) this.#readRows(this.#network.outputs(this.#actorHead, batch), this.#actorHead, policy);
    this.#readRows(this.#network.outputs(this.#criticHead, batch), this.#criticHead, values);
    return { policy, values };
  }

  /** Copies `[rows, outDim]` values out of a padded `[rows, outStride]` view. */
  #readRows(view: Float32Array, layer: number, out: Float64Array): void {
    const { outStride, info } = this.#network.layers[layer]!;
    const width = info.outDim;
    const rows = out.length / width;
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < width; c++) out[r * width + c] = view[r * outStride + c]!;
    }
  }

  #logStd(): Float32Array {
    const head = this.layout.config.head;
    if (head.kind !== "gaussian") return new Float32Array(0);
    return this.#network.block("params").subarray(this.#network.logStd, this.#network.logStd + head.dim);
  }

  /** Names the first tensor whose gradient is not finite. */
  #refuseGradient(step: number): never {
    const gradient = this.#network.gather("gradient");
    for (const tensor of this.layout.tensors) {
      for (let i = tensor.offset; i < tensor.offset + tensor.size; i++) {
        if (!Number.isFinite(gradient[i]!)) {
          throw new RangeError(
            `Cannot apply update as the gradient of ${tensor.name} is not finite at optimizer step ${step}: current value is ${
              gradient[i]
            }`,
          );
        }
      }
    }
    throw new RangeError(
      `Cannot apply update as the gradient's norm is not finite at optimizer step ${step}: current value is Infinity`,
    );
  }

  #checkAlive(action: string): void {
    if (this.#disposed) throw new Error(`Cannot ${action} as the wasm engine was disposed`);
  }
}
