/**
 * The gpu.js engine: a {@linkcode PolicyEngine} whose act, evaluate and optimizer step run as compiled gpu.js
 * plans on the cpu, webasm or webgpu backend.
 *
 * @module
 */
import { headOutputs } from "./_heads.ts";
import { type PartSteps, stateSteps, stepsAfter, stepsOf, trainedPart } from "./_part_steps.ts";
import { normalizeAdvantages } from "../core/normalize_advantages.ts";
import { ppoHeadLoss } from "../core/ppo_head_loss.ts";
import { type BackendName, chooseBackend } from "../kernels/backend.ts";
import { GpuContext, type Matrix, readInto } from "../kernels/_gpu.ts";
import { HYPER, SAMPLE } from "../kernels/mlp_kernels.ts";
import { Rng } from "../core/rng.ts";
import { initParams } from "./init_params.ts";
import { checkFinite, checkTrainOptions } from "./_check_inputs.ts";
import { ADAM_BETAS, PolicyPlans, type Threads } from "../kernels/policy_plans.ts";
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

/** Options of {@linkcode createGpuPolicy}. */
export interface GpuPolicyOptions {
  /** Backend to run on; `"auto"` picks the fastest that works here (see `chooseBackend`). @default {"auto"} */
  readonly backend?: "auto" | BackendName;
  /** Initial flat parameters (`layout.size` finite values, copied). @default {initParams(layout, rng)} */
  readonly params?: Float32Array;
  /** Generator for the initial parameters when `params` is absent. @default {new Rng(seed)} */
  readonly rng?: Rng;
  /** Seed for the initial parameters when neither `params` nor `rng` is given. @default {0} */
  readonly seed?: number;
  /**
   * webasm threads. `"auto"`: each plan is compiled for the worker pool and for one thread, and the first calls
   * measure which is faster on this machine now (on an idle 2-core machine one thread measured faster for
   * 64-wide networks at minibatch 128 and 512: each plan step costs a barrier of about 40 us between workers, and
   * two workers run a kernel only 1.4-1.7x faster than one; wider networks gain more); `"on"`, `"off"`: forced.
   * Results are identical either way.
   * @default {"auto"}
   */
  readonly threads?: Threads;
}

/** A {@linkcode PolicyEngine} on gpu.js; every compute method returns a promise. */
export interface GpuPolicy extends PolicyEngine {
  /**
   * The gpu.js executor of the last plan: `"fused-threaded"` or `"fused-sync"` (webasm), `"fused-encoder"`
   * (webgpu), `"generic"` (cpu, or any plan gpu.js could not fuse); `""` before the first call.
   */
  readonly executor: string;
  /** As {@linkcode PolicyEngine.act}: one plan (forward, sampling, log-probs) and one readback. */
  act(input: ActInput, out: ActOutput): Promise<void>;
  /** As {@linkcode PolicyEngine.values}. */
  values(obs: Float32Array, batch: number, out: Float32Array): Promise<void>;
  /** As {@linkcode PolicyEngine.evaluate}, plus the `[batch * n]` action mask the actions were sampled under. */
  evaluate(
    obs: Float32Array,
    actions: Float32Array,
    batch: number,
    out: EvaluateOutput,
    mask?: Uint8Array,
  ): Promise<void>;
  /**
   * As {@linkcode PolicyEngine.trainStep}: forward, loss gradient, backward, global-norm clip and Adam run as
   * one plan; statistics come from the heads' outputs on the host. A non-finite gradient, moment or updated
   * parameter throws a `RangeError` naming the tensor and the optimizer step, and nothing changes.
   */
  trainStep(minibatch: MinibatchData, options: TrainStepOptions): Promise<TrainStepStats>;
  /** Releases kernels, buffers and webasm workers; await it before the process or test ends. */
  dispose(): Promise<void>;
}

/**
 * Creates the gpu.js engine for a layout.
 *
 * @example
 * ```ts
 * import { createGpuPolicy } from "./gpu_policy.ts";
 * import { paramLayout } from "./param_layout.ts";
 * import assert from "node:assert/strict";
 *
 * const layout = paramLayout({
 *   obsDim: 2, head: { kind: "categorical", n: 3 }, hidden: [8], activation: "tanh", shared: false,
 * });
 * const policy = await createGpuPolicy(layout, { backend: "cpu", params: new Float32Array(layout.size) });
 * assert.equal(policy.engine, "gpujs");
 * assert.equal(policy.backend, "cpu");
 * const out = { actions: new Float32Array(1), logProbs: new Float32Array(1), values: new Float32Array(1) };
 * await policy.act({ obs: new Float32Array(2), batch: 1, noise: new Float32Array([0.5]) }, out);
 * assert.equal(out.actions[0], 1); // uniform policy, inverse CDF at 0.5
 * assert.ok(Math.abs(out.logProbs[0]! + Math.log(3)) < 1e-6);
 * await policy.dispose();
 * ```
 */
export async function createGpuPolicy(
  layout: ParamLayout,
  options: GpuPolicyOptions = {},
): Promise<GpuPolicy> {
  let params: Float32Array;
  if (options.params !== undefined) {
    checkLength("create the gpu policy", "params", options.params, layout.size);
    checkFinite(options.params, "create the gpu policy", "params");
    params = options.params;
  } else {
    params = initParams(layout, options.rng ?? new Rng(options.seed ?? 0));
  }
  const requested = options.backend ?? "auto";
  if (!["auto", "cpu", "webasm", "webgpu"].includes(requested)) {
    throw new TypeError(
      `Cannot create the gpu policy as backend must be "auto", "cpu", "webasm" or "webgpu": current value is ${requested}`,
    );
  }
  const backend = requested === "auto" ? await chooseBackend() : requested;
  const ctx = await GpuContext.open(backend);
  return new GpuPolicyEngine(ctx, layout, params, options.threads ?? "auto");
}

class GpuPolicyEngine implements GpuPolicy {
  readonly layout: ParamLayout;
  readonly engine = "gpujs";
  readonly #ctx: GpuContext;
  readonly #plans: PolicyPlans;
  readonly #params: Float32Array;
  #m: Float32Array;
  #v: Float32Array;
  /** Adam steps per group: part-wise steps count only for their part, as two optimizers would. */
  #steps: PartSteps = { actor: 0, critic: 0 };
  /** Per-parameter optimizer group for a joint step, an actor-only and a critic-only step. */
  readonly #groups: {
    readonly both: Float32Array;
    readonly actor: Float32Array;
    readonly critic: Float32Array;
  };
  readonly #hyper = new Float32Array(HYPER.size);
  readonly #samples = new Map<number, Float32Array>();
  #ranOn: string;
  #executor = "";
  readonly #masks = new Map<number, Float32Array>();
  readonly #zeros = new Map<number, Float32Array>();
  #disposed = false;

  constructor(ctx: GpuContext, layout: ParamLayout, params: Float32Array, threads: Threads) {
    this.layout = layout;
    this.#ctx = ctx;
    this.#ranOn = ctx.backend;
    this.#plans = new PolicyPlans(ctx, layout, threads);
    this.#params = Float32Array.from(params);
    this.#m = new Float32Array(layout.size);
    this.#v = new Float32Array(layout.size);
    // Per-parameter optimizer group: 0 actor, 1 critic, 2 frozen (a fixed log-std, or the part a part-wise step
    // does not train).
    const groups = (part: "both" | "actor" | "critic") => {
      const out = new Float32Array(layout.size);
      for (const tensor of layout.tensors) {
        const trained = tensor.trainable && (part === "both" || tensor.group === part);
        out.fill(
          trained ? (tensor.group === "actor" ? 0 : 1) : 2,
          tensor.offset,
          tensor.offset + tensor.size,
        );
      }
      return out;
    };
    this.#groups = { both: groups("both"), actor: groups("actor"), critic: groups("critic") };
  }

  /** The backend whose kernels actually ran the last plan (gpu.js may degrade a plan to `cpu`). */
  get backend(): string {
    return this.#ranOn;
  }

  get executor(): string {
    return this.#executor;
  }

  async act(input: ActInput, out: ActOutput): Promise<void> {
    this.#alive("act");
    const { batch } = input;
    const head = this.layout.config.head;
    const actionDim = head.kind === "categorical" ? 1 : head.dim;
    checkBatch("act", batch);
    checkLength("act", "obs", input.obs, batch * this.layout.config.obsDim);
    checkFinite(input.obs, "act", "obs");
    const deterministic = input.deterministic ?? false;
    const noiseLength = head.kind === "categorical" ? batch : batch * head.dim;
    if (!deterministic) checkLength("act", "noise", input.noise, noiseLength);
    checkLength("act", "out.actions", out.actions, batch * actionDim);
    checkLength("act", "out.logProbs", out.logProbs, batch);
    checkLength("act", "out.values", out.values, batch);
    if (!deterministic && head.kind === "categorical") {
      for (let i = 0; i < batch; i++) {
        const u = input.noise[i]!;
        if (!(u >= 0 && u < 1)) {
          throw new RangeError(
            `Cannot act as uniforms must lie in [0, 1): current value in row ${i} is ${u}`,
          );
        }
      }
    }
    if (input.mask !== undefined && head.kind !== "categorical") {
      throw new TypeError("Cannot act as an action mask needs a categorical head: current head is gaussian");
    }
    const noise = input.noise.length === noiseLength ? input.noise : this.#zerosOf(noiseLength);
    const plan = this.#plans.act(batch, deterministic);
    const args = [this.#params, input.obs, noise];
    if (head.kind === "categorical") args.push(this.#mask("act", input.mask, batch));
    const result = await plan.run(...args);
    this.#ranOn = plan.backend ?? this.#ctx.backend;
    this.#executor = plan.executorKind;
    readInto(result.actions, out.actions);
    // WebGPU hands action 0 back as -0 (seen on the llvmpipe adapter); callers compare and index with it.
    if (head.kind === "categorical") { for (let i = 0; i < batch; i++) out.actions[i] = out.actions[i]! + 0; }
    readInto(result.logProbs, out.logProbs);
    readValues(result.heads, batch, out.values);
  }

  async values(obs: Float32Array, batch: number, out: Float32Array): Promise<void> {
    this.#alive("compute values");
    checkBatch("compute values", batch);
    checkLength("compute values", "obs", obs, batch * this.layout.config.obsDim);
    checkFinite(obs, "compute values", "obs");
    checkLength("compute values", "out", out, batch);
    const plan = this.#plans.values(batch);
    const result = await plan.run(this.#params, obs);
    this.#ranOn = plan.backend ?? this.#ctx.backend;
    this.#executor = plan.executorKind;
    readValues(result.heads, batch, out);
  }

  async evaluate(
    obs: Float32Array,
    actions: Float32Array,
    batch: number,
    out: EvaluateOutput,
    mask?: Uint8Array,
  ): Promise<void> {
    this.#alive("evaluate");
    this.#checkEvaluate("evaluate", obs, actions, batch);
    checkLength("evaluate", "out.logProbs", out.logProbs, batch);
    checkLength("evaluate", "out.entropy", out.entropy, batch);
    checkLength("evaluate", "out.values", out.values, batch);
    const plan = this.#plans.evaluate(batch);
    const args = [this.#params, obs, actions];
    if (this.layout.config.head.kind === "categorical") args.push(this.#mask("evaluate", mask, batch));
    const result = await plan.run(...args);
    this.#ranOn = plan.backend ?? this.#ctx.backend;
    this.#executor = plan.executorKind;
    readInto(result.logProbs, out.logProbs);
    readInto(result.entropy, out.entropy);
    readValues(result.heads, batch, out.values);
  }

  async trainStep(minibatch: MinibatchData, options: TrainStepOptions): Promise<TrainStepStats> {
    this.#alive("train");
    const batch = minibatch.size;
    this.#checkEvaluate("train", minibatch.obs, minibatch.actions, batch);
    for (const name of ["oldLogProbs", "advantages", "returns", "oldValues"] as const) {
      checkLength("train", `minibatch.${name}`, minibatch[name], batch);
      checkFinite(minibatch[name], "train", `minibatch.${name}`);
    }
    checkTrainOptions(options);
    const part = trainedPart(this.layout, options);
    const steps = stepsAfter(this.#steps, part);
    const step = part === "critic" ? steps.critic : steps.actor;
    const hyper = this.#hyper;
    hyper[HYPER.learningRate] = options.learningRate;
    hyper[HYPER.criticLearningRate] = options.criticLearningRate ?? options.learningRate;
    hyper[HYPER.clipCoef] = options.clipCoef;
    // A part-wise step zeroes the other part's gradient (no value term for the actor, no policy or entropy term
    // for the critic), so the clipped norm is the part's own; the other part is frozen in the Adam kernel.
    hyper[HYPER.entCoef] = part === "critic" ? 0 : options.entCoef;
    hyper[HYPER.vfCoef] = part === "actor" ? 0 : options.vfCoef;
    // Float32 holds Infinity, and min(1, Infinity / norm) = 1 leaves the gradient unclipped.
    hyper[HYPER.maxGradNorm] = options.maxGradNorm;
    hyper[HYPER.adamEps] = options.adamEps ?? 1e-5;
    hyper[HYPER.correction1] = 1 - ADAM_BETAS[0] ** steps.actor;
    hyper[HYPER.correction2] = 1 - ADAM_BETAS[1] ** steps.actor;
    hyper[HYPER.criticCorrection1] = 1 - ADAM_BETAS[0] ** steps.critic;
    hyper[HYPER.criticCorrection2] = 1 - ADAM_BETAS[1] ** steps.critic;
    hyper[HYPER.clipVloss] = options.clipVloss ? 1 : 0;
    const advantages = options.normAdv ? normalizeAdvantages(minibatch.advantages) : minibatch.advantages;
    const samples = this.#samplesOf(batch);
    for (let i = 0; i < batch; i++) {
      samples[i * SAMPLE.width + SAMPLE.oldLogProb] = minibatch.oldLogProbs[i]!;
      samples[i * SAMPLE.width + SAMPLE.advantage] = part === "critic" ? 0 : advantages[i]!;
      samples[i * SAMPLE.width + SAMPLE.return] = minibatch.returns[i]!;
      samples[i * SAMPLE.width + SAMPLE.oldValue] = minibatch.oldValues[i]!;
    }
    const plan = this.#plans.train(batch);
    const args = [
      this.#params,
      this.#m,
      this.#v,
      hyper,
      this.#groups[part],
      minibatch.obs,
      minibatch.actions,
      samples,
    ];
    if (this.layout.config.head.kind === "categorical") args.push(this.#mask("train", minibatch.mask, batch));
    const result = await plan.run(...args);
    this.#ranOn = plan.backend ?? this.#ctx.backend;
    this.#executor = plan.executorKind;
    const squaredNorm = result.squaredNorm[0]!;
    if (!Number.isFinite(squaredNorm)) {
      this.#throwNonFinite("gradient", result.grads, step);
      throw new RangeError(
        `Cannot apply update as the gradient norm is not finite at optimizer step ${step}: current value is ${
          Math.sqrt(squaredNorm)
        }`,
      );
    }
    const [m, v, params] = result.next as [Float32Array, Float32Array, Float32Array];
    this.#throwNonFinite("first moment", m, step);
    this.#throwNonFinite("second moment", v, step);
    this.#throwNonFinite("updated value", params, step);
    const stats = this.#trainStats(minibatch, options, result.heads, Math.sqrt(squaredNorm));
    const size = this.layout.size;
    this.#params.set(params.subarray(0, size));
    this.#m = Float32Array.from(m.subarray(0, size));
    this.#v = Float32Array.from(v.subarray(0, size));
    this.#steps = steps;
    // The part not trained reports its loss terms as 0, as the reference engine does.
    if (part === "actor") return { ...stats, valueLoss: 0 };
    if (part === "critic") {
      return { ...stats, policyLoss: 0, entropy: 0, oldApproxKl: 0, approxKl: 0, clipfrac: 0 };
    }
    return stats;
  }

  getParams(): Float32Array {
    return Float32Array.from(this.#params);
  }

  setParams(params: Float32Array): void {
    checkLength("set params", "params", params, this.layout.size);
    checkFinite(params, "set params", "params");
    this.#params.set(params);
  }

  getOptimizerState(): OptimizerState {
    return { m: Float32Array.from(this.#m), v: Float32Array.from(this.#v), ...stateSteps(this.#steps) };
  }

  setOptimizerState(state: OptimizerState): void {
    checkLength("set optimizer state", "m", state.m, this.layout.size);
    checkLength("set optimizer state", "v", state.v, this.layout.size);
    if (!Number.isInteger(state.step) || state.step < 0) {
      throw new RangeError(
        `Cannot set optimizer state as step must be a non-negative integer: current value is ${state.step}`,
      );
    }
    if (state.criticStep !== undefined && (!Number.isInteger(state.criticStep) || state.criticStep < 0)) {
      throw new RangeError(
        `Cannot set optimizer state as criticStep must be a non-negative integer: current value is ${state.criticStep}`,
      );
    }
    this.#m = Float32Array.from(state.m);
    this.#v = Float32Array.from(state.v);
    this.#steps = stepsOf(state);
  }

  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    await this.#ctx.destroy();
  }

  #alive(action: string): void {
    if (this.#disposed) throw new TypeError(`Cannot ${action} as the gpu policy has been disposed`);
  }

  #checkEvaluate(action: string, obs: Float32Array, actions: Float32Array, batch: number): void {
    const head = this.layout.config.head;
    checkBatch(action, batch);
    checkLength(action, "obs", obs, batch * this.layout.config.obsDim);
    checkLength(action, "actions", actions, batch * (head.kind === "categorical" ? 1 : head.dim));
    checkFinite(obs, action, "obs");
    checkFinite(actions, action, "actions");
    if (head.kind === "categorical") {
      for (let i = 0; i < batch; i++) {
        const a = actions[i]!;
        if (!(Number.isInteger(a) && a >= 0 && a < head.n)) {
          throw new RangeError(
            `Cannot ${action} as actions must be integers in [0, ${head.n}): current value in row ${i} is ${a}`,
          );
        }
      }
    }
  }

  /** The mask as floats (1 allowed, 0 masked), or all ones; kernels read floats on every backend. */
  #mask(action: string, mask: Uint8Array | undefined, batch: number): Float32Array {
    const head = this.layout.config.head;
    const n = head.kind === "categorical" ? head.n : 1;
    let buffer = this.#masks.get(batch);
    if (!buffer) {
      buffer = new Float32Array(batch * n);
      this.#masks.set(batch, buffer);
    }
    if (mask === undefined) {
      buffer.fill(1);
      return buffer;
    }
    if (mask.length !== batch * n) {
      throw new TypeError(
        `Cannot ${action} as mask must have batch * n = ${
          batch * n
        } elements: current length is ${mask.length}`,
      );
    }
    for (let i = 0; i < mask.length; i++) buffer[i] = mask[i]! === 0 ? 0 : 1;
    return buffer;
  }

  #samplesOf(batch: number): Float32Array {
    let buffer = this.#samples.get(batch);
    if (!buffer) {
      buffer = new Float32Array(batch * SAMPLE.width);
      this.#samples.set(batch, buffer);
    }
    return buffer;
  }

  /**
   * The loss parts and diagnostics from the heads' outputs the plan returned (the plan itself only carries what
   * the gradient needs), by the same core function as the other engines.
   */
  #trainStats(
    minibatch: MinibatchData,
    options: TrainStepOptions,
    heads: Matrix,
    gradNorm: number,
  ): TrainStepStats {
    const n = minibatch.size;
    const head = this.layout.config.head;
    const width = head.kind === "categorical" ? head.n : head.dim;
    const policy = new Float64Array(n * width);
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const row = heads[i]!;
      for (let k = 0; k < width; k++) policy[i * width + k] = row[k]!;
      values[i] = heads[n + i]![0]!;
    }
    const outputs = headOutputs(
      this.layout,
      policy,
      values,
      this.#params.subarray(
        this.layout.logStdOffset,
        this.layout.logStdOffset + (head.kind === "gaussian" ? head.dim : 0),
      ),
      minibatch.mask,
    );
    const loss = ppoHeadLoss(outputs, minibatch, {
      clipCoef: options.clipCoef,
      clipVloss: options.clipVloss,
      entCoef: options.entCoef,
      vfCoef: options.vfCoef,
      normAdv: options.normAdv,
    });
    return {
      policyLoss: loss.policyLoss,
      valueLoss: loss.valueLoss,
      entropy: loss.entropy,
      oldApproxKl: loss.oldApproxKl,
      approxKl: loss.approxKl,
      clipfrac: loss.clipfrac,
      gradNorm,
    };
  }

  #zerosOf(length: number): Float32Array {
    let buffer = this.#zeros.get(length);
    if (!buffer) {
      buffer = new Float32Array(length);
      this.#zeros.set(length, buffer);
    }
    return buffer;
  }

  /** Throws, naming the tensor, when `values` has a non-finite entry; the engine's state is untouched. */
  #throwNonFinite(what: string, values: Float32Array, step: number): void {
    for (const tensor of this.layout.tensors) {
      for (let i = tensor.offset; i < tensor.offset + tensor.size; i++) {
        if (!Number.isFinite(values[i]!)) {
          throw new RangeError(
            `Cannot apply update as the ${what} of ${tensor.name} is not finite at optimizer step ${step}: current value is ${
              values[i]
            }`,
          );
        }
      }
    }
  }
}

function checkBatch(action: string, batch: number): void {
  if (!Number.isInteger(batch) || batch < 1) {
    throw new RangeError(`Cannot ${action} as batch must be a positive integer: current value is ${batch}`);
  }
}

function checkLength(action: string, name: string, array: ArrayLike<number>, expected: number): void {
  if (array.length !== expected) {
    throw new TypeError(
      `Cannot ${action} as ${name} must have ${expected} elements: current length is ${array.length}`,
    );
  }
}

/** Values from the heads' rows: the value head's rows follow the policy head's, value in column 0. */
function readValues(heads: Matrix, batch: number, out: Float32Array): void {
  for (let i = 0; i < batch; i++) out[i] = heads[batch + i]![0]!;
}
