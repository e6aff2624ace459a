/**
 * An actor-critic network living in WebAssembly memory: parameters, Adam's moments, the gradient, a transposed
 * copy of every weight matrix, the activations of one batch and the heads' inputs and outputs (a minibatch's
 * recorded data, a rollout step's noise), with kernels generated for its exact shape: the dense products, the
 * optimizer, and the heads (acting, evaluating, the PPO loss's gradient). The WebAssembly SIMD engine
 * (`createWasmPolicy`) drives it.
 *
 * Work runs as plans: steps of kernel calls, each step's calls split between the main thread and, when the
 * memory is shared, one worker. Separate actor and critic networks split actor || critic (three fork-joins per
 * train step); a shared trunk splits every product in column or row halves. The split never changes a result:
 * every output element is one sum in a fixed order, whichever thread computes it, and without the worker both
 * halves run on the main thread.
 *
 * @module
 */
import type { PpoLossOptions, PpoLossParts } from "../core/ppo_loss.ts";
import type { DenseInfo, ParamLayout } from "../model/types.ts";
import { columnSumKernel, gemmKernel, gemmTnKernel } from "./dense_kernels.ts";
import { type KernelCall, KernelThread } from "./mailbox.ts";
import {
  actKernel,
  evaluateKernel,
  type HeadSpec,
  LOSS_IO,
  lossIoBytes,
  lossKernel,
} from "./head_kernels.ts";
import { expFunction, logFunction } from "./math_functions.ts";
import { adamMatrixKernel, adamVectorsKernel, sumSquaresKernel } from "./optimizer_kernels.ts";
import { encodeModule, type ExportedFunction, type FunctionBody, wasmFeatures } from "./wasm_module.ts";

/** Options of {@linkcode WasmNetwork.create}. */
export interface WasmNetworkOptions {
  /** Use `f32x4.relaxed_madd` (where the runtime validates it) or plain multiply and add. @default {true} */
  readonly relaxed?: boolean;
  /** Start a worker on a shared memory for the second core (where `SharedArrayBuffer` exists). @default {true} */
  readonly worker?: boolean;
}

/** One dense layer as the network lays it out: padded sizes and byte addresses. */
export interface WasmLayer {
  /** The layer in the flat parameter layout. */
  readonly info: DenseInfo;
  /** `trunk`, `actor` or `critic`. */
  readonly chain: "trunk" | "actor" | "critic";
  /** The row stride of the weight matrix: the stride of the input rows it multiplies. */
  readonly inStride: number;
  /** The output row stride, also the transposed matrix's row stride. */
  readonly outStride: number;
  /** Float offset of the `[outDim, inStride]` weight matrix in the parameter block (and gradient, moments). */
  readonly weight: number;
  /** Float offset of the `[outStride]` bias. */
  readonly bias: number;
  /** Byte address of the `[inDim, outStride]` transposed weights. */
  readonly transposed: number;
  /** Whether the Adam step uses the critic's learning rate. */
  readonly critic: boolean;
}

/** A kernel applied to part of a layer: its id, and where its columns (floats) or rows start. */
interface Part {
  readonly id: number;
  readonly start: number;
}

/** The kernels of one layer, each as one part or two halves. */
interface LayerKernels {
  readonly forward: readonly Part[];
  readonly weightGrad: readonly Part[];
  readonly biasGrad: readonly Part[];
  readonly inputGrad: readonly Part[];
}

/** Float32 views of the heads' per-row inputs and outputs for `rows` rows (see {@linkcode WasmNetwork.heads}). */
export interface HeadViews {
  /** `[rows * actionDim]` actions: a minibatch's or evaluate's in, act's out. */
  readonly actions: Float32Array;
  /** `[rows * actionDim]` act's noise: uniforms (categorical) or standard normals (gaussian). */
  readonly noise: Float32Array;
  /** `[rows * n]` action mask (categorical heads; empty otherwise). */
  readonly mask: Uint8Array;
  /** `[rows]` recorded log-probabilities. */
  readonly oldLogProbs: Float32Array;
  /** `[rows]` raw advantages. */
  readonly advantages: Float32Array;
  /** `[rows]` value targets. */
  readonly returns: Float32Array;
  /** `[rows]` recorded values. */
  readonly oldValues: Float32Array;
  /** `[rows]` act's and evaluate's log-probabilities out. */
  readonly logProbs: Float32Array;
  /** `[rows]` evaluate's entropies out. */
  readonly entropy: Float32Array;
}

/** The PPO options the loss kernel reads (it always rounds the new log-probabilities to float32). */
export type LossOptions = Omit<PpoLossOptions, "roundLogProbs">;

/** One fork-join step: what the main thread runs and what the worker runs meanwhile. */
interface Step {
  readonly main: KernelCall[];
  readonly worker: KernelCall[];
}

/** A step ready to run: each call bound to its kernel and arguments once, so running allocates nothing. */
interface BoundStep {
  readonly main: readonly (() => number)[];
  readonly worker: readonly KernelCall[];
  /** The worker's calls bound for the main thread (without a worker, or with it switched off). */
  readonly workerHere: readonly (() => number)[];
}

const PAGE = 65_536;
const ALIGN = 64;
/** Shared memories must declare a maximum: 1 GiB covers a 1024-1024 network with 100k-row batches. */
const MAX_PAGES = 16_384;

function pad4(n: number): number {
  return Math.ceil(n / 4) * 4;
}

function align(bytes: number): number {
  return Math.ceil(bytes / ALIGN) * ALIGN;
}

/**
 * Row stride for `width` floats: whole vectors, and 16 more when rows would be a multiple of 2 KB apart, where
 * walking down a column maps every row to the same L1 cache set (a 1024-wide product ran 2-3x slower so).
 */
function strideFor(width: number): number {
  const padded = pad4(width);
  return padded >= 512 && padded % 512 === 0 ? padded + 16 : padded;
}

/** Splits `width` floats (a multiple of 4) in two parts whose first ends on a 16-float tile when it can. */
function columnHalves(width: number): [number, number] {
  const first = width >= 32 ? 16 * Math.ceil(width / 32) : 4 * Math.ceil(width / 8);
  return [first, width - first];
}

/**
 * The network's memory, kernels and plans. Activations are laid out for `capacity` rows and re-laid (larger)
 * when a bigger batch comes; parameters, gradient and moments never move.
 */
export class WasmNetwork {
  /** The flat parameter layout this network mirrors. */
  readonly layout: ParamLayout;
  /** Layers in the order trunk, actor, critic. */
  readonly layers: readonly WasmLayer[];
  /** Whether the kernels use relaxed madd. */
  readonly relaxed: boolean;
  /** Floats in each of the parameter, gradient and moment blocks (a multiple of 4). */
  readonly blockFloats: number;
  /** Float offset of the `[pad4(dim)]` log-std in the parameter block, or -1. */
  readonly logStd: number;
  /** The memory everything lives in (shared when there is a worker). */
  readonly memory: WebAssembly.Memory;
  /** Byte addresses of the parameter, gradient, first- and second-moment blocks. */
  readonly blocks: {
    readonly params: number;
    readonly gradient: number;
    readonly m: number;
    readonly v: number;
  };
  /** Whether a worker was started (the memory is shared). */
  readonly hasWorker: boolean;
  /** Run the worker's share of each step on the worker (true) or on the main thread. @default {true with a worker} */
  useWorker: boolean;
  readonly #kernels: readonly ((...args: number[]) => number)[];
  readonly #ids: ReadonlyMap<string, number>;
  readonly #layerKernels: readonly LayerKernels[];
  readonly #thread: KernelThread | null;
  /** Byte addresses of the actor's and the critic's Adam scalars (4 floats each). */
  readonly #scalars: { readonly actor: number; readonly critic: number };
  /** Byte address of the loss kernel's float64 io block. */
  readonly #io: number;
  /** Byte addresses of the heads' per-row areas, laid out with the activations. */
  #heads: Record<keyof HeadViews, number> | null = null;
  /** The last views {@linkcode WasmNetwork.heads} made (valid while the layout and the buffer stay). */
  #headViews: { readonly rows: number; readonly views: HeadViews } | null = null;
  /** Plans built for the current layout of activations, by kind and rows. */
  readonly #plans = new Map<string, readonly BoundStep[]>();
  #activationBase: number;
  #capacity = 0;
  /** Byte addresses of the observation rows, and of every layer's output and output gradient. */
  #input = 0;
  #outputs: number[] = [];
  #gradients: number[] = [];

  private constructor(parts: {
    layout: ParamLayout;
    layers: WasmLayer[];
    relaxed: boolean;
    blockFloats: number;
    logStd: number;
    memory: WebAssembly.Memory;
    blocks: WasmNetwork["blocks"];
    kernels: ((...args: number[]) => number)[];
    ids: Map<string, number>;
    layerKernels: LayerKernels[];
    thread: KernelThread | null;
    scalars: { actor: number; critic: number };
    io: number;
    activationBase: number;
  }) {
    this.layout = parts.layout;
    this.layers = parts.layers;
    this.relaxed = parts.relaxed;
    this.blockFloats = parts.blockFloats;
    this.logStd = parts.logStd;
    this.memory = parts.memory;
    this.blocks = parts.blocks;
    this.#kernels = parts.kernels;
    this.#ids = parts.ids;
    this.#layerKernels = parts.layerKernels;
    this.#thread = parts.thread;
    this.hasWorker = parts.thread !== null;
    this.useWorker = this.hasWorker;
    this.#scalars = parts.scalars;
    this.#io = parts.io;
    this.#activationBase = parts.activationBase;
  }

  /**
   * Lays out and compiles a network for `layout`, with all parameters zero, and starts its worker.
   *
   * @param layout The flat parameter layout.
   * @param options Multiply-add form and worker.
   * @returns The network; {@linkcode WasmNetwork.dispose} it to stop the worker.
   */
  static async create(layout: ParamLayout, options: WasmNetworkOptions = {}): Promise<WasmNetwork> {
    const features = wasmFeatures();
    if (!features.simd) {
      throw new TypeError(
        "Cannot create the wasm engine as this runtime has no WebAssembly SIMD: current value is false",
      );
    }
    const relaxed = (options.relaxed ?? true) && features.relaxedSimd;
    const shared = (options.worker ?? true) && typeof SharedArrayBuffer !== "undefined";
    const chains = [
      ["trunk", layout.trunk],
      ["actor", layout.actor],
      ["critic", layout.critic],
    ] as const;
    const ordered = chains.flatMap(([chain, infos]) => infos.map((info) => ({ chain, info })));
    const outStrides = ordered.map(({ info }) => strideFor(info.outDim));
    let floats = 0;
    const placed = ordered.map(({ chain, info }, i) => {
      const source = sourceIndex(ordered, i);
      // A weight row is as wide as the input rows it multiplies, padding included.
      const inStride = source < 0 ? pad4(info.inDim) : outStrides[source]!;
      const outStride = outStrides[i]!;
      const weight = floats;
      floats += info.outDim * inStride;
      const bias = floats;
      floats += outStride;
      return { info, chain, inStride, outStride, weight, bias, critic: chain === "critic" };
    });
    const head = layout.config.head;
    const logStd = head.kind === "gaussian" ? floats : -1;
    if (head.kind === "gaussian") floats += pad4(head.dim);
    const blockFloats = floats;
    const blockBytes = align(blockFloats * 4);
    const scalars = { actor: ALIGN, critic: 2 * ALIGN };
    const base = 3 * ALIGN;
    const blocks = {
      params: base,
      gradient: base + blockBytes,
      m: base + 2 * blockBytes,
      v: base + 3 * blockBytes,
    };
    let next = base + 4 * blockBytes;
    const layers: WasmLayer[] = placed.map((layer) => {
      const transposed = next;
      next += align(layer.info.inDim * layer.outStride * 4);
      return { ...layer, transposed };
    });
    const io = next;
    next += align(lossIoBytes(head.kind === "gaussian" ? head.dim : 0));
    const pages = Math.ceil(next / PAGE) + 1;
    if (pages > MAX_PAGES) {
      throw new RangeError(
        `Cannot create the wasm engine as the network needs more than ${
          MAX_PAGES * PAGE
        } bytes: current value is ${next}`,
      );
    }
    const memory = new WebAssembly.Memory(
      shared ? { initial: pages, maximum: MAX_PAGES, shared: true } : { initial: pages },
    );
    const { functions, layerKernels } = kernelsFor(layers, layout, relaxed, layout.config.shared);
    const module = await WebAssembly.compile(
      encodeModule(functions, shared ? { minPages: 1, maxPages: MAX_PAGES, shared: true } : { minPages: 1 }),
    );
    const instance = await WebAssembly.instantiate(module, { env: { memory } });
    const names = functions.map((fn) => fn.name);
    const kernels = names.map((name) => instance.exports[name] as (...args: number[]) => number);
    const thread = shared ? await KernelThread.start(module, memory, names) : null;
    return new WasmNetwork({
      layout,
      layers,
      relaxed,
      blockFloats,
      logStd,
      memory,
      blocks,
      kernels,
      ids: new Map(names.map((name, id) => [name, id])),
      layerKernels,
      thread,
      scalars,
      io,
      activationBase: next,
    });
  }

  /** A float view of one of the four blocks (taken anew: growing the memory detaches old views). */
  block(name: keyof WasmNetwork["blocks"]): Float32Array {
    return new Float32Array(this.memory.buffer, this.blocks[name], this.blockFloats);
  }

  /** Makes room for `rows` rows of activations. */
  reserve(rows: number): void {
    if (rows <= this.#capacity) return;
    const capacity = Math.max(rows, 2 * this.#capacity);
    let next = this.#activationBase;
    const take = (floats: number) => {
      const address = next;
      next += align(floats * 4);
      return address;
    };
    this.#input = take(capacity * pad4(this.layout.config.obsDim));
    this.#outputs = this.layers.map((layer) => take(capacity * layer.outStride));
    this.#gradients = this.layers.map((layer) => take(capacity * layer.outStride));
    const head = this.layout.config.head;
    const actionDim = head.kind === "categorical" ? 1 : head.dim;
    this.#headViews = null;
    this.#plans.clear();
    this.#heads = {
      actions: take(capacity * actionDim),
      noise: take(capacity * actionDim),
      mask: take(Math.ceil(capacity * (head.kind === "categorical" ? head.n : 0) / 4)),
      oldLogProbs: take(capacity),
      advantages: take(capacity),
      returns: take(capacity),
      oldValues: take(capacity),
      logProbs: take(capacity),
      entropy: take(capacity),
    };
    const needed = Math.ceil(next / PAGE) - this.memory.buffer.byteLength / PAGE;
    if (needed > 0) {
      if (this.memory.buffer.byteLength / PAGE + needed > MAX_PAGES) {
        throw new RangeError(
          `Cannot reserve ${rows} rows as the wasm engine's memory would exceed ${
            MAX_PAGES * PAGE
          } bytes: current value is ${next}`,
        );
      }
      this.memory.grow(needed);
    }
    // Fresh pages are zero; reused ones are cleared so padding columns read as zero.
    new Uint8Array(this.memory.buffer, this.#activationBase, next - this.#activationBase).fill(0);
    this.#capacity = capacity;
  }

  /** Writes `[rows * obsDim]` observations into the padded input rows. */
  setInput(obs: ArrayLike<number>, rows: number): void {
    this.reserve(rows);
    const dim = this.layout.config.obsDim;
    const stride = pad4(dim);
    const input = new Float32Array(this.memory.buffer, this.#input, rows * stride);
    for (let r = 0; r < rows; r++) {
      for (let k = 0; k < dim; k++) input[r * stride + k] = obs[r * dim + k]!;
    }
  }

  /** A float view of layer `index`'s outputs (`[rows, outStride]`). */
  outputs(index: number, rows: number): Float32Array {
    return new Float32Array(this.memory.buffer, this.#outputs[index]!, rows * this.layers[index]!.outStride);
  }

  /** A float view of the gradient with respect to layer `index`'s outputs (`[rows, outStride]`). */
  outputGradients(index: number, rows: number): Float32Array {
    return new Float32Array(
      this.memory.buffer,
      this.#gradients[index]!,
      rows * this.layers[index]!.outStride,
    );
  }

  /**
   * Views of the heads' per-row inputs and outputs for `rows` rows (reserved here; taken anew after any
   * {@linkcode WasmNetwork.setInput} or reserve, which may move them).
   */
  heads(rows: number): HeadViews {
    this.reserve(rows);
    const buffer = this.memory.buffer;
    const cached = this.#headViews;
    if (cached !== null && cached.rows === rows && cached.views.actions.buffer === buffer) {
      return cached.views;
    }
    const at = this.#heads!;
    const head = this.layout.config.head;
    const actionDim = head.kind === "categorical" ? 1 : head.dim;
    const floats = (address: number, count: number) => new Float32Array(buffer, address, count);
    const views = {
      actions: floats(at.actions, rows * actionDim),
      noise: floats(at.noise, rows * actionDim),
      mask: new Uint8Array(buffer, at.mask, head.kind === "categorical" ? rows * head.n : 0),
      oldLogProbs: floats(at.oldLogProbs, rows),
      advantages: floats(at.advantages, rows),
      returns: floats(at.returns, rows),
      oldValues: floats(at.oldValues, rows),
      logProbs: floats(at.logProbs, rows),
      entropy: floats(at.entropy, rows),
    };
    this.#headViews = { rows, views };
    return views;
  }

  /**
   * Acts on the heads' outputs of the last forward pass: actions and log-probabilities into
   * {@linkcode WasmNetwork.heads}' `actions` and `logProbs`, from its `noise` (unless `greedy`) and `mask`.
   *
   * @returns 0, or 1 + the first row the reference would refuse.
   */
  act(rows: number, greedy: boolean, masked: boolean): number {
    const at = this.#heads!;
    return this.#kernels[this.#id(masked ? "actMasked" : "act")]!(
      this.#outputs[this.last("actor")]!,
      this.#maskOrLogStd(masked),
      at.noise,
      at.actions,
      at.logProbs,
      rows,
      greedy ? 1 : 0,
    );
  }

  /**
   * Log-probabilities and entropies of the heads' `actions` under the last forward pass, into their
   * `logProbs` and `entropy`.
   *
   * @returns 0, or 1 + the first row the reference would refuse.
   */
  evaluate(rows: number, masked: boolean): number {
    const at = this.#heads!;
    return this.#kernels[this.#id(masked ? "evaluateMasked" : "evaluate")]!(
      this.#outputs[this.last("actor")]!,
      this.#maskOrLogStd(masked),
      at.actions,
      at.logProbs,
      at.entropy,
      rows,
    );
  }

  /**
   * The PPO loss of the last forward pass on the minibatch in {@linkcode WasmNetwork.heads}, with its gradient
   * written as both heads' output gradients (ready for {@linkcode WasmNetwork.backward}).
   *
   * @returns The loss parts, or the first refused row (1-based) as a number.
   */
  loss(rows: number, masked: boolean, options: LossOptions): PpoLossParts | number {
    const at = this.#heads!;
    const io = new Float64Array(this.memory.buffer, this.#io, LOSS_IO.gradLogStd / 8);
    io[LOSS_IO.clipCoef / 8] = options.clipCoef;
    io[LOSS_IO.entCoef / 8] = options.entCoef;
    io[LOSS_IO.vfCoef / 8] = options.vfCoef;
    io[LOSS_IO.normAdv / 8] = options.normAdv ? 1 : 0;
    io[LOSS_IO.clipVloss / 8] = options.clipVloss ? 1 : 0;
    const actor = this.last("actor");
    const critic = this.last("critic");
    const status = this.#kernels[this.#id(masked ? "lossMasked" : "loss")]!(
      this.#outputs[actor]!,
      this.#outputs[critic]!,
      this.#gradients[actor]!,
      this.#gradients[critic]!,
      at.actions,
      at.oldLogProbs,
      at.advantages,
      at.returns,
      at.oldValues,
      this.#maskOrLogStd(masked),
      rows,
      this.#io,
    );
    if (status !== 0) return status;
    const part = (offset: number) => io[offset / 8]!;
    return {
      loss: part(LOSS_IO.loss),
      policyLoss: part(LOSS_IO.policyLoss),
      valueLoss: part(LOSS_IO.valueLoss),
      entropy: part(LOSS_IO.entropy),
      oldApproxKl: part(LOSS_IO.oldApproxKl),
      approxKl: part(LOSS_IO.approxKl),
      clipfrac: part(LOSS_IO.clipfrac),
    };
  }

  /** The gaussian log-std's gradient from the last {@linkcode WasmNetwork.loss} (`[dim]`, float64). */
  gradLogStd(): Float64Array {
    const head = this.layout.config.head;
    return new Float64Array(
      this.memory.buffer,
      this.#io + LOSS_IO.gradLogStd,
      head.kind === "gaussian" ? head.dim : 0,
    );
  }

  /** The head kernels' `mask` argument: the mask's address, or the log-std's for a gaussian head. */
  #maskOrLogStd(masked: boolean): number {
    if (this.logStd >= 0) return this.blocks.params + this.logStd * 4;
    return masked ? this.#heads!.mask : 0;
  }

  /** Index of the last layer of `chain`. */
  last(chain: WasmLayer["chain"]): number {
    return this.layers.findLastIndex((layer) => layer.chain === chain);
  }

  /**
   * Runs the chains on the input rows: the trunk (if any), then the actor unless `valuesOnly`, then the critic.
   * `parallel: false` keeps everything on the main thread (one rollout step is too small to split).
   */
  forward(rows: number, options: { readonly valuesOnly?: boolean; readonly parallel?: boolean } = {}): void {
    const valuesOnly = options.valuesOnly ?? false;
    this.#run(
      this.#plan(`forward ${rows} ${valuesOnly}`, () => this.#forwardSteps(rows, valuesOnly)),
      options.parallel ?? true,
    );
  }

  #forwardSteps(rows: number, valuesOnly: boolean): Step[] {
    const steps: Step[] = [];
    const heads = emptyStep();
    this.layers.forEach((layer, i) => {
      if (valuesOnly && layer.chain === "actor") return;
      if (layer.chain === "trunk") {
        const step = emptyStep();
        this.#forwardCalls(i, rows, step, "split");
        steps.push(step);
      } else {
        this.#forwardCalls(i, rows, heads, layer.chain === "actor" ? "worker" : "main");
      }
    });
    steps.push(heads);
    return steps;
  }

  /**
   * Back-propagates the head gradients already written with {@linkcode WasmNetwork.outputGradients} into the
   * gradient block (overwritten everywhere but the log-std).
   */
  backward(rows: number, part: "both" | "actor" | "critic" = "both"): void {
    if (part !== "both") {
      // A part's step leaves the other part's gradient at zero: it neither moves nor counts in the norm.
      const gradient = this.block("gradient");
      for (const layer of this.layers) {
        if (layer.chain === part) continue;
        gradient.fill(0, layer.weight, layer.weight + layer.info.outDim * layer.inStride);
        gradient.fill(0, layer.bias, layer.bias + layer.outStride);
      }
    }
    this.#run(this.#plan(`backward ${rows} ${part}`, () => this.#backwardSteps(rows, part)), true);
  }

  #backwardSteps(rows: number, part: "both" | "actor" | "critic"): Step[] {
    // The heads (or the separate chains) first, actor on the worker and critic on the main thread; then the
    // heads' input gradients into a shared trunk's output (the critic's writes, the actor's adds and applies
    // the derivative), then the trunk from the top down, each layer's products in halves.
    const chains = emptyStep();
    const intoTrunk: Step[] = [];
    const trunk: Step[] = [];
    const trunkLast = this.last("trunk");
    for (let i = this.layers.length - 1; i >= 0; i--) {
      const layer = this.layers[i]!;
      if (part !== "both" && layer.chain !== part) continue;
      if (layer.chain === "trunk") {
        const step = emptyStep();
        this.#parameterGradientCalls(i, rows, step, "split");
        this.#inputGradientCalls(i, rows, step, "split");
        trunk.push(step);
        continue;
      }
      const side = layer.chain === "actor" ? "worker" : "main";
      this.#parameterGradientCalls(i, rows, chains, side);
      if (trunkLast >= 0 && sourceIndex(this.layers, i) === trunkLast) {
        const step = emptyStep();
        this.#inputGradientCalls(i, rows, step, "split");
        intoTrunk[layer.chain === "critic" ? 0 : 1] = step;
      } else {
        this.#inputGradientCalls(i, rows, chains, side);
      }
    }
    return [chains, ...intoTrunk, ...trunk];
  }

  /** The float64 sum of squares of the whole gradient block. */
  gradientSumOfSquares(): number {
    return this.#kernels[this.#id("sumSquares")]!(this.blocks.gradient, this.blockFloats / 4);
  }

  /**
   * One Adam step over every trainable parameter with the gradient scaled by `scale`; weight matrices also
   * refresh their transposed copies.
   */
  adam(options: {
    /** Adam steps of each group, this one included (the bias correction's t). */
    readonly steps: { readonly actor: number; readonly critic: number };
    readonly learningRate: number;
    readonly criticLearningRate: number;
    readonly eps: number;
    readonly scale: number;
    readonly trainLogStd: boolean;
    /** Update only the actor's or the critic's tensors (separate networks). @default {"both"} */
    readonly part?: "both" | "actor" | "critic";
  }): void {
    const part = options.part ?? "both";
    const floats = new Float32Array(this.memory.buffer);
    const scalarsOf = (step: number, learningRate: number) => [
      options.scale,
      learningRate / (1 - 0.9 ** step),
      1 / Math.sqrt(1 - 0.999 ** step),
      options.eps,
    ];
    floats.set(scalarsOf(options.steps.actor, options.learningRate), this.#scalars.actor / 4);
    floats.set(scalarsOf(options.steps.critic, options.criticLearningRate), this.#scalars.critic / 4);
    this.#run(
      this.#plan(`adam ${part} ${options.trainLogStd}`, () => this.#adamSteps(part, options.trainLogStd)),
      true,
    );
  }

  #adamSteps(part: "both" | "actor" | "critic", trainLogStd: boolean): Step[] {
    const { params, gradient, m, v } = this.blocks;
    const at = (
      offset: number,
    ) => [params + offset * 4, gradient + offset * 4, m + offset * 4, v + offset * 4];
    const vectors = this.#id("adamVectors");
    const step: Step = { main: [], worker: [] };
    const shared = this.layout.config.shared;
    this.layers.forEach((layer, i) => {
      if (part !== "both" && layer.chain !== part) return;
      const scalars = layer.critic ? this.#scalars.critic : this.#scalars.actor;
      const rows = layer.info.outDim;
      const matrixCall = (first: number, count: number): KernelCall => [
        this.#id(`adamMatrix${i}`),
        ...at(layer.weight + first * layer.inStride),
        layer.transposed + first * 4,
        count,
        scalars,
      ];
      const vectorCall = (first: number, count: number): KernelCall => [
        vectors,
        ...at(layer.bias + first * 4),
        count,
        scalars,
      ];
      const biasVectors = layer.outStride / 4;
      if (shared) {
        // Row and vector halves: every layer's update splits in two.
        const half = Math.ceil(rows / 2);
        const halfVectors = Math.ceil(biasVectors / 2);
        step.main.push(matrixCall(0, half), vectorCall(0, halfVectors));
        step.worker.push(matrixCall(half, rows - half), vectorCall(halfVectors, biasVectors - halfVectors));
      } else {
        const side = layer.critic ? step.main : step.worker;
        side.push(matrixCall(0, rows), vectorCall(0, biasVectors));
      }
    });
    if (this.logStd >= 0 && trainLogStd && part !== "critic") {
      const head = this.layout.config.head;
      const dim = pad4(head.kind === "gaussian" ? head.dim : 0);
      step.worker.push([vectors, ...at(this.logStd), dim / 4, this.#scalars.actor]);
    }
    return [step];
  }

  /** Copies flat parameters (the layout's order and shapes) in, refreshing the transposed copies. */
  setParams(flat: Float32Array): void {
    this.#scatter(flat, this.block("params"));
    const view = new Float32Array(this.memory.buffer);
    for (const layer of this.layers) {
      const { inDim, outDim, weightOffset } = layer.info;
      const base = layer.transposed / 4;
      for (let n = 0; n < outDim; n++) {
        for (let k = 0; k < inDim; k++) {
          view[base + k * layer.outStride + n] = flat[weightOffset + n * inDim + k]!;
        }
      }
    }
  }

  /** The parameters (or a moment block, or the gradient) in the flat layout. */
  gather(name: "params" | "m" | "v" | "gradient"): Float32Array {
    const flat = new Float32Array(this.layout.size);
    const block = this.block(name);
    for (const layer of this.layers) {
      const { inDim, outDim, weightOffset, biasOffset } = layer.info;
      for (let n = 0; n < outDim; n++) {
        const row = layer.weight + n * layer.inStride;
        flat.set(block.subarray(row, row + inDim), weightOffset + n * inDim);
      }
      flat.set(block.subarray(layer.bias, layer.bias + outDim), biasOffset);
    }
    if (this.logStd >= 0) {
      const head = this.layout.config.head;
      const dim = head.kind === "gaussian" ? head.dim : 0;
      flat.set(block.subarray(this.logStd, this.logStd + dim), this.layout.logStdOffset);
    }
    return flat;
  }

  /** Copies a flat moment vector in. */
  setMoments(name: "m" | "v", flat: Float32Array): void {
    this.#scatter(flat, this.block(name));
  }

  /** Stops the worker. */
  dispose(): void {
    this.#thread?.stop();
  }

  #scatter(flat: Float32Array, block: Float32Array): void {
    block.fill(0);
    for (const layer of this.layers) {
      const { inDim, outDim, weightOffset, biasOffset } = layer.info;
      for (let n = 0; n < outDim; n++) {
        block.set(
          flat.subarray(weightOffset + n * inDim, weightOffset + (n + 1) * inDim),
          layer.weight + n * layer.inStride,
        );
      }
      block.set(flat.subarray(biasOffset, biasOffset + outDim), layer.bias);
    }
    if (this.logStd >= 0) {
      const head = this.layout.config.head;
      const dim = head.kind === "gaussian" ? head.dim : 0;
      block.set(flat.subarray(this.layout.logStdOffset, this.layout.logStdOffset + dim), this.logStd);
    }
  }

  /** The plan named `key` for the current layout, built and bound once. */
  #plan(key: string, build: () => Step[]): readonly BoundStep[] {
    let plan = this.#plans.get(key);
    if (plan === undefined) {
      const bind = (calls: readonly KernelCall[]) =>
        calls.map(([id, ...args]) => this.#kernels[id]!.bind(null, ...args) as () => number);
      plan = build().map(({ main, worker }) => ({ main: bind(main), worker, workerHere: bind(worker) }));
      this.#plans.set(key, plan);
    }
    return plan;
  }

  /** Runs the steps: each forks the worker's share, runs the main share, then joins. */
  #run(steps: readonly BoundStep[], parallel: boolean): void {
    const thread = parallel && this.useWorker ? this.#thread : null;
    for (const { main, worker, workerHere } of steps) {
      if (thread !== null && worker.length > 0) {
        thread.fork(worker);
        try {
          for (const call of main) call();
        } finally {
          thread.join();
        }
      } else {
        for (const call of main) call();
        for (const call of workerHere) call();
      }
    }
  }

  #id(name: string): number {
    return this.#ids.get(name)!;
  }

  #forwardCalls(index: number, rows: number, step: Step, side: Side): void {
    const layer = this.layers[index]!;
    const p = this.blocks.params;
    const input = this.#inputOf(index);
    place(
      step,
      side,
      this.#layerKernels[index]!.forward.map(({ id, start }) => [
        id,
        input,
        layer.transposed + start * 4,
        p + (layer.bias + start) * 4,
        this.#outputs[index]! + start * 4,
        rows,
      ]),
    );
  }

  #parameterGradientCalls(index: number, rows: number, step: Step, side: Side): void {
    const layer = this.layers[index]!;
    const g = this.blocks.gradient;
    const gradient = this.#gradients[index]!;
    const kernels = this.#layerKernels[index]!;
    place(
      step,
      side,
      kernels.weightGrad.map(({ id, start }) => [
        id,
        gradient + start * 4,
        this.#inputOf(index),
        g + (layer.weight + start * layer.inStride) * 4,
        rows,
      ]),
    );
    place(
      step,
      side,
      kernels.biasGrad.map(({ id, start }) => [id, gradient + start * 4, g + (layer.bias + start) * 4, rows]),
    );
  }

  #inputGradientCalls(index: number, rows: number, step: Step, side: Side): void {
    const source = sourceIndex(this.layers, index);
    if (source < 0) return;
    const layer = this.layers[index]!;
    const p = this.blocks.params;
    place(
      step,
      side,
      this.#layerKernels[index]!.inputGrad.map(({ id, start }) => [
        id,
        this.#gradients[index]!,
        p + (layer.weight + start) * 4,
        this.#outputs[source]! + start * 4,
        this.#gradients[source]! + start * 4,
        rows,
      ]),
    );
  }

  /** Byte address of layer `index`'s input rows. */
  #inputOf(index: number): number {
    const source = sourceIndex(this.layers, index);
    return source < 0 ? this.#input : this.#outputs[source]!;
  }
}

/** Where a layer's calls go: all to one thread, or (for halves) the first part to each. */
type Side = "main" | "worker" | "split";

function emptyStep(): Step {
  return { main: [], worker: [] };
}

/** Adds one kernel's calls (one call, or its two halves) to a step. */
function place(step: Step, side: Side, calls: KernelCall[]): void {
  if (side === "split" && calls.length === 2) {
    step.main.push(calls[0]!);
    step.worker.push(calls[1]!);
  } else {
    (side === "worker" ? step.worker : step.main).push(...calls);
  }
}

/** The layer whose outputs feed layer `index` in a trunk-actor-critic list, or -1 for the observations. */
function sourceIndex(layers: readonly { readonly chain: WasmLayer["chain"] }[], index: number): number {
  const layer = layers[index]!;
  const previous = layers.findLastIndex((other, i) => i < index && other.chain === layer.chain);
  if (previous >= 0) return previous;
  // A chain's first layer reads the trunk's last output, or the observations.
  return layer.chain === "trunk" ? -1 : layers.findLastIndex((other) => other.chain === "trunk");
}

/**
 * Every kernel of the network's module. With `halves` (a shared trunk), trunk products and the heads' input
 * gradients come as two kernels each, over the first and the second part of their columns or rows.
 */
function kernelsFor(
  layers: readonly WasmLayer[],
  layout: ParamLayout,
  relaxed: boolean,
  halves: boolean,
): { functions: ExportedFunction[]; layerKernels: LayerKernels[] } {
  const activation = layout.config.activation;
  // exp and log first: the head kernels call them by index.
  const functions: ExportedFunction[] = [
    { name: "exp", body: expFunction() },
    { name: "log", body: logFunction() },
    { name: "sumSquares", body: sumSquaresKernel() },
    { name: "adamVectors", body: adamVectorsKernel() },
  ];
  const head = layout.config.head;
  const heads = (head.kind === "categorical" ? [false, true] : [false]).map((masked) => {
    const spec: HeadSpec = head.kind === "categorical"
      ? { kind: "categorical", n: head.n, masked }
      : { kind: "gaussian", dim: head.dim };
    const options = {
      head: spec,
      policyStride: layers[layers.findLastIndex((layer) => layer.chain === "actor")]!.outStride,
      valueStride: layers[layers.findLastIndex((layer) => layer.chain === "critic")]!.outStride,
      exp: 0,
      log: 1,
    };
    const suffix = masked ? "Masked" : "";
    return [
      { name: `act${suffix}`, body: actKernel(options) },
      { name: `evaluate${suffix}`, body: evaluateKernel(options) },
      { name: `loss${suffix}`, body: lossKernel(options) },
    ];
  });
  functions.push(...heads.flat());
  const add = (name: string, body: FunctionBody) => {
    functions.push({ name, body });
    return functions.length - 1;
  };
  /** One kernel, or two over [0, first) and [first, total) of a dimension, as parts. */
  const parts = (
    name: string,
    total: number,
    split: boolean,
    make: (count: number) => FunctionBody,
    granule: (n: number) => [number, number],
  ): Part[] => {
    if (!split) return [{ id: add(name, make(total)), start: 0 }];
    const [first, second] = granule(total);
    const id = add(`${name}a`, make(first));
    add(`${name}b`, make(second));
    return [{ id, start: 0 }, { id: id + 1, start: first }];
  };
  const rowHalves = (n: number): [number, number] => [Math.ceil(n / 2), n - Math.ceil(n / 2)];
  const trunkLast = layers.findLastIndex((layer) => layer.chain === "trunk");
  const layerKernels = layers.map((layer, i): LayerKernels => {
    const source = sourceIndex(layers, i);
    const inputStride = source < 0 ? pad4(layout.config.obsDim) : layers[source]!.outStride;
    const isHead = i === layers.findLastIndex((other) => other.chain === layer.chain) &&
      layer.chain !== "trunk";
    const { inDim, outDim } = layer.info;
    const splitProducts = halves && layer.chain === "trunk";
    const forward = parts(
      `forward${i}`,
      pad4(outDim),
      splitProducts && pad4(outDim) >= 8,
      (columns) =>
        gemmKernel({
          inner: inDim,
          aStride: inputStride,
          mStride: layer.outStride,
          outColumns: columns,
          cStride: layer.outStride,
          epilogue: { kind: "forward", activation: isHead ? "identity" : activation },
          relaxed,
        }),
      columnHalves,
    );
    const weightGrad = parts(`weightGrad${i}`, outDim, splitProducts && outDim >= 2, (rows) =>
      gemmTnKernel({
        outRows: rows,
        aStride: layer.outStride,
        columns: pad4(inDim),
        bStride: inputStride,
        gStride: layer.inStride,
        relaxed,
      }), rowHalves);
    const biasGrad = parts(
      `biasGrad${i}`,
      pad4(outDim),
      splitProducts && pad4(outDim) >= 8,
      (columns) => columnSumKernel({ columns, stride: layer.outStride }),
      columnHalves,
    );
    // Backward runs from the last layer down: into a shared trunk's last output the critic's head writes
    // first, then the actor's head adds its part and applies the activation's derivative; any other layer
    // writes and applies it at once.
    const inputGrad = source < 0 ? [] : parts(
      `inputGrad${i}`,
      pad4(inDim),
      halves && pad4(inDim) >= 8,
      (columns) =>
        gemmKernel({
          inner: outDim,
          aStride: layer.outStride,
          mStride: layer.inStride,
          outColumns: columns,
          cStride: layer.inStride,
          epilogue: {
            kind: "backward",
            accumulate: source === trunkLast && layer.chain === "actor",
            derivative: source === trunkLast && layer.chain === "critic" ? "none" : activation,
          },
          relaxed,
        }),
      columnHalves,
    );
    add(
      `adamMatrix${i}`,
      adamMatrixKernel({ columns: inDim, stride: layer.inStride, transposedStride: layer.outStride }),
    );
    return { forward, weightGrad, biasGrad, inputGrad };
  });
  return { functions, layerKernels };
}
