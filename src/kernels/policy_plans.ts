/**
 * Compiled gpu.js plans for one actor-critic layout: `act`, `values`, `evaluate` and a whole PPO optimizer step
 * (forward, loss gradient, backward, global-norm clip and Adam) each run as ONE `createPipeline` plan, so their
 * intermediates stay in the backend's memory (one shared wasm memory on webasm, GPU buffers on webgpu) and each
 * call pays one dispatch and one readback. Actor and critic run stacked in the same kernels (see
 * `DenseConstants`), which halves the number of plan steps. Plans are compiled per batch size on first use.
 *
 * Parameters, Adam moments and minibatch data are plan arguments, copied in per call (three parameter-sized
 * vectors: about 110 KB for CartPole's networks, a few microseconds), and the updated state comes back in the
 * one readback: the host keeps the authoritative copy, so a step refused for non-finite values changes nothing.
 *
 * @module
 */
import type { ParamLayout } from "../model/types.ts";
import type { GpuContext, Kernel, KernelThis, KernelValue, Matrix, Plan } from "./_gpu.ts";
import { AdaptivePlan } from "./adaptive_plan.ts";
import {
  type ActivationCode,
  denseBiasGradSource,
  denseForwardSource,
  denseInputGradSource,
  type DenseStage,
  denseWeightGradSource,
  forwardWidth,
  MAX_UNROLLED_TERMS,
  padded,
} from "./dense_source.ts";
import {
  adamStep,
  categoricalEntropy,
  categoricalHeadGrad,
  categoricalLogProb,
  categoricalSample,
  denseBiasGrad,
  denseForward,
  denseForwardObs,
  denseInputGrad,
  denseWeightGrad,
  denseWeightGradObs,
  gaussianEntropy,
  gaussianHeadGrad,
  gaussianLogProb,
  gaussianLogProbOfRows,
  gaussianLogStdGrad,
  gaussianSample,
  sharedInputGrad,
  sumAll,
  sumSquaresPartial,
} from "./mlp_kernels.ts";

/**
 * Results of an act plan. `heads` has `2 * batch` rows: the policy head's outputs, then the value head's (column
 * 0 holds the value).
 */
export interface ActResult {
  /** `[batch]` for categorical heads, `batch` rows of `dim` for gaussian heads. */
  readonly actions: KernelValue;
  readonly logProbs: Float32Array;
  readonly heads: Matrix;
}

/** Results of a values plan (`heads` as in {@linkcode ActResult}). */
export interface ValuesResult {
  readonly heads: Matrix;
}

/** Results of an evaluate plan (`heads` as in {@linkcode ActResult}). */
export interface EvaluateResult {
  readonly logProbs: Float32Array;
  readonly entropy: Float32Array;
  readonly heads: Matrix;
}

/** Results of a train plan: the candidate state after one step, and what the host needs for the statistics. */
export interface TrainResult {
  /**
   * Row 0: Adam's first moment, row 1: its second moment, row 2: the parameters, each padded to a multiple of 4
   * (the first `layout.size` values count).
   */
  readonly next: Matrix;
  readonly grads: Float32Array;
  /** `[1]` squared global gradient norm before clipping. */
  readonly squaredNorm: Float32Array;
  /** The heads' outputs before the step (as in {@linkcode ActResult}). */
  readonly heads: Matrix;
}

/**
 * webasm threads: `"auto"` measures, per plan, the worker pool against one thread on the first calls and keeps
 * the faster; `"on"` and `"off"` force it. Other backends ignore it.
 */
export type Threads = "auto" | "on" | "off";

/** Adam's betas (PyTorch defaults, as CleanRL). */
export const ADAM_BETAS = [0.9, 0.999] as const;

const ACTIVATION_CODE: Readonly<Record<"tanh" | "relu", ActivationCode>> = { tanh: 1, relu: 2 };
/** Up to this many parameters the squared norm is one serial loop; above, partial sums then their sum. */
const ONE_STEP_NORM = 65536;
const REDUCE_CHUNK = 1024;
/** Gradient pieces per join kernel: with the carried vector and the output, 8 storage buffers on webgpu. */
const JOIN_STAGE = 6;

/** A value inside a plan orchestration: an opaque handle standing for a host array or a kernel result. */
type Handle = KernelValue;

/** A stage's gradients: weights in rows `n * outDim + j` of `inDim` columns, biases in row `n` of `outDim`. */
interface Piece {
  readonly stage: DenseStage;
  readonly weights: Handle;
  readonly biases: Handle;
}

/** Plans of one layout on one backend. */
export class PolicyPlans {
  readonly #ctx: GpuContext;
  readonly #layout: ParamLayout;
  readonly #threads: Threads;
  readonly #plans = new Map<string, Plan<unknown>>();
  readonly #kernels = new Map<string, Kernel>();
  readonly #stages: readonly DenseStage[];

  constructor(ctx: GpuContext, layout: ParamLayout, threads: Threads = "auto") {
    this.#ctx = ctx;
    this.#layout = layout;
    this.#threads = threads;
    this.#stages = stagesOf(layout);
  }

  /** Arguments: params, obs, noise, and the mask for categorical heads. */
  act(batch: number, deterministic: boolean): Plan<ActResult> {
    const layout = this.#layout;
    const head = layout.config.head;
    const det = deterministic ? 1 : 0;
    return this.#plan(`act:${batch}:${det}`, batch, head.kind === "categorical" ? 4 : 3, (a) => {
      const [params, obs, noise, mask] = a as [Handle, Handle, Handle, Handle];
      const { heads } = this.#forward(batch, params, obs);
      if (head.kind === "categorical") {
        const c = { n: head.n, deterministic: det };
        const actions = this.#k(`cs:${batch}:${det}`, categoricalSample, batch, c)(heads, mask, noise);
        const logProbs = this.#k(`cl:${batch}`, categoricalLogProb, batch, { ...c, deterministic: 0 })(
          heads,
          mask,
          actions,
        );
        return { actions, logProbs, heads };
      }
      const g = { dim: head.dim, logStdOffset: layout.logStdOffset, deterministic: det };
      const actions = this.#k(`gs:${batch}:${det}`, gaussianSample, [head.dim, batch], g)(
        params,
        heads,
        noise,
      );
      const logProbs = this.#k(`glr:${batch}`, gaussianLogProbOfRows, batch, { ...g, deterministic: 0 })(
        params,
        heads,
        actions,
      );
      return { actions, logProbs, heads };
    }) as Plan<ActResult>;
  }

  /** Arguments: params, obs. */
  values(batch: number): Plan<ValuesResult> {
    return this.#plan(`values:${batch}`, batch, 2, (a) => {
      const [params, obs] = a as [Handle, Handle];
      return { heads: this.#forward(batch, params, obs).heads };
    }) as Plan<ValuesResult>;
  }

  /** Arguments: params, obs, actions, and the mask for categorical heads. */
  evaluate(batch: number): Plan<EvaluateResult> {
    const spec = this.#layout.config.head;
    return this.#plan(`evaluate:${batch}`, batch, spec.kind === "categorical" ? 4 : 3, (a) => {
      const [params, obs, actions, mask] = a as [Handle, Handle, Handle, Handle];
      const { heads } = this.#forward(batch, params, obs);
      if (spec.kind === "categorical") {
        const c = { n: spec.n, deterministic: 0 };
        return {
          logProbs: this.#k(`cl:${batch}`, categoricalLogProb, batch, c)(heads, mask, actions),
          entropy: this.#k(`ce:${batch}`, categoricalEntropy, batch, c)(heads, mask),
          heads,
        };
      }
      const g = { dim: spec.dim, logStdOffset: this.#layout.logStdOffset, deterministic: 0 };
      return {
        logProbs: this.#k(`gl:${batch}`, gaussianLogProb, batch, g)(params, heads, actions),
        entropy: this.#k(`ge:${batch}`, gaussianEntropy, batch, g)(params),
        heads,
      };
    }) as Plan<EvaluateResult>;
  }

  /**
   * One optimizer step. Arguments: params, m, v, hyper (`HYPER` slots), groups (0 actor, 1 critic, 2 frozen),
   * obs, actions, samples (`SAMPLE` slots, advantages already normalised), and the mask for categorical heads.
   */
  train(batch: number): Plan<TrainResult> {
    const layout = this.#layout;
    const spec = layout.config.head;
    const size = layout.size;
    const cells = padded(size);
    return this.#plan(`train:${batch}`, batch, spec.kind === "categorical" ? 9 : 8, (a) => {
      const [params, m, v, hyper, groups, obs, actions, samples, mask] = a as Handle[] as [
        Handle,
        Handle,
        Handle,
        Handle,
        Handle,
        Handle,
        Handle,
        Handle,
        Handle,
      ];
      const { heads, inputs } = this.#forward(batch, params, obs);
      const n = spec.kind === "categorical" ? spec.n : spec.dim;
      const constants = {
        batch,
        n,
        logStdOffset: layout.logStdOffset,
        trainable: spec.kind === "gaussian" && spec.logStd === "learned" ? 1 : 0,
      };
      const extra: Handle[] = [];
      let dz: Handle;
      if (spec.kind === "categorical") {
        dz = this.#k(`chg:${batch}`, categoricalHeadGrad, [n, 2 * batch], constants)(
          hyper,
          heads,
          mask,
          actions,
          samples,
        );
      } else {
        dz = this.#k(`ghg:${batch}`, gaussianHeadGrad, [n, 2 * batch], constants)(
          hyper,
          params,
          heads,
          actions,
          samples,
        );
        extra.push(
          this.#k(`glg:${batch}`, gaussianLogStdGrad, n, constants)(hyper, params, heads, actions, samples),
        );
      }
      const pieces: Piece[] = [];
      for (let s = this.#stages.length - 1; s >= 0; s--) {
        const stage = this.#stages[s]!;
        const input = inputs[s]!;
        const weightSize = [stage.a.inDim, stage.nets * stage.outDim] as const;
        const biasSize = [stage.outDim, stage.nets] as const;
        const sizes = this.#gradConstants(batch, stage);
        pieces.push({
          stage,
          weights: this.#generated(batch)
            ? this.#source(`wg:${batch}:${s}`, () => denseWeightGradSource(stage, batch), weightSize)(
              dz,
              input,
            )
            : this.#k(
              `wg:${batch}:${s}`,
              stage.input === "obs" ? denseWeightGradObs : denseWeightGrad,
              weightSize,
              sizes,
            )(dz, input),
          biases: this.#generated(batch)
            ? this.#source(`bg:${batch}:${s}`, () => denseBiasGradSource(stage, batch), biasSize)(dz)
            : this.#k(`bg:${batch}:${s}`, denseBiasGrad, biasSize, sizes)(dz),
        });
        if (s === 0) break;
        const inputSize = [stage.a.inDim, (stage.input === "shared" ? 1 : stage.nets) * batch] as const;
        if (this.#generated(Math.max(stage.a.outDim, stage.c.outDim))) {
          const activation = ACTIVATION_CODE[layout.config.activation];
          dz = this.#source(
            `ig:${batch}:${s}`,
            () => denseInputGradSource(stage, batch, activation),
            inputSize,
          )(
            params,
            dz,
            input,
          );
          continue;
        }
        const dense = this.#denseConstants(batch, stage);
        dz = this.#k(
          `ig:${batch}:${s}`,
          stage.input === "shared" ? sharedInputGrad : denseInputGrad,
          inputSize,
          dense,
        )(params, dz, input);
      }
      const grads = this.#join(pieces, extra);
      const chunk = size <= ONE_STEP_NORM ? size : REDUCE_CHUNK;
      const partials = Math.ceil(size / chunk);
      let squaredNorm = this.#k("ssp", sumSquaresPartial, partials, { length: size, chunk })(grads);
      if (partials > 1) squaredNorm = this.#k("ssa", sumAll, 1, { length: partials, chunk: 1 })(squaredNorm);
      const betas = {
        beta1: ADAM_BETAS[0],
        beta2: ADAM_BETAS[1],
        oneMinusBeta1: 1 - ADAM_BETAS[0],
        oneMinusBeta2: 1 - ADAM_BETAS[1],
      };
      const next = this.#k("adam", adamStep, [cells, 3], betas)(
        hyper,
        squaredNorm,
        grads,
        m,
        v,
        params,
        groups,
      );
      return { next, grads, squaredNorm, heads };
    }) as Plan<TrainResult>;
  }

  #plan(key: string, batch: number, arity: number, orchestrate: (args: Handle[]) => Record<string, Handle>) {
    let plan = this.#plans.get(key);
    if (!plan) {
      const build = (threads: boolean) => this.#ctx.plan(arity, (...args) => orchestrate(args), { threads });
      // gpu.js splits a plan over workers only when a step has more than 4096 cells (2 workers from 8192).
      const splittable = this.#ctx.backend === "webasm" &&
        batch * Math.max(...this.#layout.config.hidden, 1) >= 8192;
      plan = !splittable || this.#threads === "off"
        ? build(false)
        : this.#threads === "on"
        ? build(true)
        : new AdaptivePlan([build(true), build(false)]);
      this.#plans.set(key, plan);
    }
    return plan;
  }

  /**
   * Whether a dense kernel summing `terms` products runs as generated straight-line code (`dense_source.ts`):
   * on webasm, up to the unrolling limit. cpu and webgpu keep the loop kernels (measured no faster unrolled on
   * cpu; webgpu's shader compiler unrolls by itself).
   */
  #generated(terms: number): boolean {
    return this.#ctx.backend === "webasm" && terms <= MAX_UNROLLED_TERMS;
  }

  /** A kernel from generated source, compiled once per key and shared between plans. */
  #source(key: string, source: () => string, size: number | readonly [number, number]): Kernel {
    return this.#cached(key, () => this.#ctx.kernelFromSource(source(), { size, constants: {} }));
  }

  #cached(key: string, compile: () => Kernel): Kernel {
    let kernel = this.#kernels.get(key);
    if (!kernel) {
      kernel = compile();
      this.#kernels.set(key, kernel);
    }
    return kernel;
  }

  /** A kernel, compiled once per key and shared between plans. */
  #k<C>(
    key: string,
    // deno-lint-ignore no-explicit-any -- kernel bodies take a mix of flat and row arguments
    body: (this: KernelThis<C>, ...args: any[]) => number,
    size: number | readonly [number, number],
    constants: C & Readonly<Record<string, number>>,
  ): Kernel {
    return this.#cached(key, () => this.#ctx.kernel(body, { size, constants }));
  }

  #denseConstants(
    batch: number,
    stage: DenseStage,
    activation: number = ACTIVATION_CODE[this.#layout.config.activation],
  ) {
    return {
      batch,
      inDim: stage.a.inDim,
      outA: stage.a.outDim,
      outC: stage.c.outDim,
      weightA: stage.a.weightOffset,
      biasA: stage.a.biasOffset,
      weightC: stage.c.weightOffset,
      biasC: stage.c.biasOffset,
      stackedInput: stage.input === "stacked" ? 1 : 0,
      activation,
    };
  }

  /** The stacked forward pass: every stage's input, and the heads' outputs (`2 * batch` rows). */
  #forward(
    batch: number,
    params: Handle,
    obs: Handle,
  ): { readonly heads: Handle; readonly inputs: Handle[] } {
    const stages = this.#stages;
    const inputs: Handle[] = [];
    let x = obs;
    stages.forEach((stage, s) => {
      inputs.push(x);
      const last = s === stages.length - 1;
      const activation: ActivationCode = last ? 0 : ACTIVATION_CODE[this.#layout.config.activation];
      if (this.#generated(stage.a.inDim)) {
        const size = [forwardWidth(stage), stage.nets * batch] as const;
        x = this.#source(`fw:${batch}:${s}`, () => denseForwardSource(stage, batch, activation), size)(
          params,
          x,
        );
        return;
      }
      const size = [stage.outDim, stage.nets * batch] as const;
      const constants = this.#denseConstants(batch, stage, activation);
      const body = stage.input === "obs" ? denseForwardObs : denseForward;
      x = this.#k(`fw:${batch}:${s}`, body, size, constants)(params, x);
    });
    return { heads: x, inputs };
  }

  #gradConstants(batch: number, stage: DenseStage) {
    return {
      batch,
      inDim: stage.a.inDim,
      outDim: stage.outDim,
      outA: stage.a.outDim,
      outC: stage.c.outDim,
      stackedInput: stage.input === "stacked" ? 1 : 0,
    };
  }

  /**
   * Joins the gradient pieces into the flat gradient vector in layout order. WebGPU allows 8 storage buffers per
   * kernel, so deep networks join in stages of at most 6 pieces, each stage carrying the previous one.
   */
  #join(pieces: readonly Piece[], extra: readonly Handle[]): Handle {
    const layout = this.#layout;
    // Every tensor, in layout order, with where it is read from: [piece index, source expression].
    const sources: {
      readonly offset: number;
      readonly end: number;
      readonly piece: number;
      readonly read: string;
    }[] = [];
    // Inputs of the join, in order: each piece's weights then its biases, then the log-std gradient.
    pieces.forEach(({ stage }, index) => {
      const p = 2 * index;
      const layers = stage.nets === 2 ? [stage.a, stage.c] : [stage.a];
      layers.forEach((layer, net) => {
        const row = net * stage.outDim;
        const inDim = layer.inDim;
        sources.push({
          offset: layer.weightOffset,
          end: layer.weightOffset + layer.outDim * inDim,
          piece: p,
          read: `const r = Math.floor((this.thread.x - ${layer.weightOffset}) / ${inDim}); ` +
            `return P[${row} + r][this.thread.x - ${layer.weightOffset} - r * ${inDim}];`,
        });
        sources.push({
          offset: layer.biasOffset,
          end: layer.biasOffset + layer.outDim,
          piece: p + 1,
          read: `return P[${net}][this.thread.x - ${layer.biasOffset}];`,
        });
      });
    });
    if (extra.length > 0) {
      sources.push({
        offset: layout.logStdOffset,
        end: layout.size,
        piece: 2 * pieces.length,
        read: `return P[this.thread.x - ${layout.logStdOffset}];`,
      });
    }
    sources.sort((x, y) => x.offset - y.offset);
    const values = [...pieces.flatMap((p) => [p.weights, p.biases]), ...extra];
    let joined: Handle | undefined;
    for (let first = 0; first < values.length; first += JOIN_STAGE) {
      const members = values.slice(first, first + JOIN_STAGE);
      const carry = joined !== undefined;
      // The tensors' number and shapes vary with the layout, so this kernel's source is generated: one range test
      // per tensor in layout order, bounds and row widths as literals, weight pieces read as rows.
      const kernel = this.#source(`join:${first}`, () => {
        const branches = sources.map(({ end, piece, read }) => {
          const inStage = piece >= first && piece < first + JOIN_STAGE;
          const body = inStage
            ? read.replaceAll("P[", `g${piece - first}[`)
            : carry
            ? "return previous[this.thread.x];"
            : "return 0;";
          return `if (this.thread.x < ${end}) { ${body} }`;
        });
        const names = members.map((_, i) => `g${i}`);
        const params = carry ? ["previous", ...names] : names;
        return `function joinGradients(${params.join(", ")}) { ${branches.join(" ")} return 0; }`;
      }, padded(layout.size));
      joined = carry ? kernel(joined!, ...members) : kernel(...members);
    }
    return joined!;
  }
}

/** The network's depths, each run as one stacked kernel. */
function stagesOf(layout: ParamLayout): DenseStage[] {
  if (layout.config.shared) {
    const trunk = layout.trunk.map((layer, t): DenseStage => ({
      a: layer,
      c: layer,
      nets: 1,
      input: t === 0 ? "obs" : "stacked",
      outDim: layer.outDim,
    }));
    const policy = layout.actor[0]!;
    const value = layout.critic[0]!;
    return [...trunk, {
      a: policy,
      c: value,
      nets: 2,
      input: "shared",
      outDim: Math.max(policy.outDim, value.outDim),
    }];
  }
  return layout.actor.map((a, d): DenseStage => {
    const c = layout.critic[d]!;
    return { a, c, nets: 2, input: d === 0 ? "obs" : "stacked", outDim: Math.max(a.outDim, c.outDim) };
  });
}
