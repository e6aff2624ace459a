/**
 * An actor-critic network living in WebAssembly memory: parameters, Adam's moments, the gradient, a transposed
 * copy of every weight matrix and the activations of one batch, with kernels generated for its exact shape.
 * The WebAssembly SIMD engine (`createWasmPolicy`) drives it; this class knows nothing of PPO.
 *
 * @module
 */
import type { DenseInfo, ParamLayout } from "../model/types.ts";
import { columnSumKernel, gemmKernel, gemmTnKernel } from "./dense_kernels.ts";
import { adamMatrixKernel, adamVectorsKernel, sumSquaresKernel } from "./optimizer_kernels.ts";
import { encodeModule, type ExportedFunction, wasmFeatures } from "./wasm_module.ts";

/** Options of {@linkcode WasmNetwork.create}. */
export interface WasmNetworkOptions {
  /** Use `f32x4.relaxed_madd` (where the runtime validates it) or plain multiply and add. @default {true where valid} */
  readonly relaxed?: boolean;
}

/** One dense layer as the network lays it out: padded sizes and byte addresses. */
export interface WasmLayer {
  /** The layer in the flat parameter layout. */
  readonly info: DenseInfo;
  /** `trunk`, `actor` or `critic`. */
  readonly chain: "trunk" | "actor" | "critic";
  /** Inputs padded to a multiple of 4: the weight matrix's row stride. */
  readonly inStride: number;
  /** Outputs padded to a multiple of 4: the output row stride and the transposed matrix's row stride. */
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

type Kernel = (...args: number[]) => number;

const PAGE = 65_536;
const ALIGN = 64;

function pad4(n: number): number {
  return Math.ceil(n / 4) * 4;
}

/**
 * Row stride for `width` floats: whole vectors, and 16 more when rows would be a multiple of 2 KB apart, where
 * walking down a column maps every row to the same L1 cache set (a 1024-wide product ran 2-3x slower so).
 */
function strideFor(width: number): number {
  const padded = pad4(width);
  return padded >= 512 && padded % 512 === 0 ? padded + 16 : padded;
}

function align(bytes: number): number {
  return Math.ceil(bytes / ALIGN) * ALIGN;
}

/**
 * The network's memory and kernels. Activations are laid out for `capacity` rows and re-laid (larger) when a
 * bigger batch comes; parameters, gradient and moments never move.
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
  readonly memory: WebAssembly.Memory;
  /** Byte addresses of the parameter, gradient, first- and second-moment blocks. */
  readonly blocks: {
    readonly params: number;
    readonly gradient: number;
    readonly m: number;
    readonly v: number;
  };
  readonly #kernels: Record<string, Kernel>;
  #activationBase: number;
  #capacity = 0;
  /** Byte addresses of the observation rows, and of every layer's output and output gradient. */
  #input = 0;
  #outputs: number[] = [];
  #gradients: number[] = [];

  private constructor(
    layout: ParamLayout,
    layers: WasmLayer[],
    relaxed: boolean,
    blockFloats: number,
    logStd: number,
    memory: WebAssembly.Memory,
    blocks: WasmNetwork["blocks"],
    kernels: Record<string, Kernel>,
    activationBase: number,
  ) {
    this.layout = layout;
    this.layers = layers;
    this.relaxed = relaxed;
    this.blockFloats = blockFloats;
    this.logStd = logStd;
    this.memory = memory;
    this.blocks = blocks;
    this.#kernels = kernels;
    this.#activationBase = activationBase;
  }

  /**
   * Lays out and compiles a network for `layout`, with all parameters zero.
   *
   * @param layout The flat parameter layout.
   * @param options Multiply-add form.
   * @returns The network.
   */
  static async create(layout: ParamLayout, options: WasmNetworkOptions = {}): Promise<WasmNetwork> {
    const features = wasmFeatures();
    if (!features.simd) {
      throw new TypeError(
        "Cannot create the wasm engine as this runtime has no WebAssembly SIMD: current value is false",
      );
    }
    const relaxed = (options.relaxed ?? true) && features.relaxedSimd;
    const chains = [
      ["trunk", layout.trunk],
      ["actor", layout.actor],
      ["critic", layout.critic],
    ] as const;
    const ordered = chains.flatMap(([chain, infos]) => infos.map((info) => ({ chain, info })));
    const outStrides = ordered.map(({ info }) => strideFor(info.outDim));
    let floats = 0;
    const placed: Omit<WasmLayer, "transposed">[] = ordered.map(({ chain, info }, i) => {
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
    const blocks = {
      params: ALIGN,
      gradient: ALIGN + blockBytes,
      m: ALIGN + 2 * blockBytes,
      v: ALIGN + 3 * blockBytes,
    };
    let next = ALIGN + 4 * blockBytes;
    const layers: WasmLayer[] = placed.map((layer) => {
      const transposed = next;
      next += align(layer.info.inDim * layer.outStride * 4);
      return { ...layer, transposed };
    });
    const memory = new WebAssembly.Memory({ initial: Math.ceil(next / PAGE) + 1 });
    const { instance } = await WebAssembly.instantiate(
      encodeModule(kernelsFor(layers, layout, relaxed), { minPages: 1 }),
      { env: { memory } },
    );
    return new WasmNetwork(
      layout,
      layers,
      relaxed,
      blockFloats,
      logStd,
      memory,
      blocks,
      instance.exports as Record<string, Kernel>,
      next,
    );
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
    const needed = Math.ceil(next / PAGE) - this.memory.buffer.byteLength / PAGE;
    if (needed > 0) this.memory.grow(needed);
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

  /** Index of the last layer of `chain`. */
  last(chain: WasmLayer["chain"]): number {
    return this.layers.findLastIndex((layer) => layer.chain === chain);
  }

  /** Runs the chains on the input rows: the trunk (if any), then the actor unless `valuesOnly`, then the critic. */
  forward(rows: number, options: { readonly valuesOnly?: boolean } = {}): void {
    const p = this.blocks.params;
    this.layers.forEach((layer, i) => {
      if (options.valuesOnly && layer.chain === "actor") return;
      this.#kernels[`forward${i}`]!(
        this.#inputOf(i),
        layer.transposed,
        p + layer.bias * 4,
        this.#outputs[i]!,
        rows,
      );
    });
  }

  /**
   * Back-propagates the head gradients already written with {@linkcode WasmNetwork.outputGradients} into the
   * gradient block (overwritten everywhere but the log-std).
   */
  backward(rows: number): void {
    const g = this.blocks.gradient;
    const p = this.blocks.params;
    for (let i = this.layers.length - 1; i >= 0; i--) {
      const layer = this.layers[i]!;
      const gradient = this.#gradients[i]!;
      this.#kernels[`weightGrad${i}`]!(gradient, this.#inputOf(i), g + layer.weight * 4, rows);
      this.#kernels[`biasGrad${i}`]!(gradient, g + layer.bias * 4, rows);
      const source = this.#sourceOf(i);
      if (source >= 0) {
        this.#kernels[`inputGrad${i}`]!(
          gradient,
          p + layer.weight * 4,
          this.#outputs[source]!,
          this.#gradients[source]!,
          rows,
        );
      }
    }
  }

  /** The float64 sum of squares of the whole gradient block. */
  gradientSumOfSquares(): number {
    return this.#kernels.sumSquares!(this.blocks.gradient, this.blockFloats / 4);
  }

  /**
   * One Adam step over every trainable parameter with the gradient scaled by `scale`; weight matrices also
   * refresh their transposed copies.
   */
  adam(options: {
    readonly step: number;
    readonly learningRate: number;
    readonly criticLearningRate: number;
    readonly eps: number;
    readonly scale: number;
    readonly trainLogStd: boolean;
  }): void {
    const { params, gradient, m, v } = this.blocks;
    const invBc2 = 1 / Math.sqrt(1 - 0.999 ** options.step);
    const bc1 = 1 - 0.9 ** options.step;
    const at = (
      floats: number,
    ) => [params + floats * 4, gradient + floats * 4, m + floats * 4, v + floats * 4];
    this.layers.forEach((layer, i) => {
      const stepSize = (layer.critic ? options.criticLearningRate : options.learningRate) / bc1;
      const scalars = [options.scale, stepSize, invBc2, options.eps];
      this.#kernels[`adam${i}`]!(...at(layer.weight), layer.transposed, layer.info.outDim, ...scalars);
      this.#kernels.adamVectors!(...at(layer.bias), layer.outStride / 4, ...scalars);
    });
    if (this.logStd >= 0 && options.trainLogStd) {
      const dim = pad4(this.layout.config.head.kind === "gaussian" ? this.layout.config.head.dim : 0);
      this.#kernels.adamVectors!(
        ...at(this.logStd),
        dim / 4,
        options.scale,
        options.learningRate / bc1,
        invBc2,
        options.eps,
      );
    }
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

  /** The parameters (or a moment block) in the flat layout. */
  gather(name: "params" | "m" | "v" | "gradient"): Float32Array {
    const flat = new Float32Array(this.layout.size);
    const block = this.block(name);
    for (const layer of this.layers) {
      const { inDim, outDim, weightOffset, biasOffset } = layer.info;
      for (let n = 0; n < outDim; n++) {
        flat.set(
          block.subarray(layer.weight + n * layer.inStride, layer.weight + n * layer.inStride + inDim),
          weightOffset + n * inDim,
        );
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

  /** Byte address of layer `index`'s input rows. */
  #inputOf(index: number): number {
    const source = this.#sourceOf(index);
    return source < 0 ? this.#input : this.#outputs[source]!;
  }

  /** The layer whose outputs feed layer `index`, or -1 for the observations. */
  #sourceOf(index: number): number {
    return sourceOf(this.layers, index);
  }
}

function sourceOf(layers: readonly WasmLayer[], index: number): number {
  return sourceIndex(layers, index);
}

/** The layer whose outputs feed layer `index` in a trunk-actor-critic list, or -1 for the observations. */
function sourceIndex(layers: readonly { readonly chain: WasmLayer["chain"] }[], index: number): number {
  const layer = layers[index]!;
  const previous = layers.findLastIndex((other, i) => i < index && other.chain === layer.chain);
  if (previous >= 0) return previous;
  // A chain's first layer reads the trunk's last output, or the observations.
  return layer.chain === "trunk" ? -1 : layers.findLastIndex((other) => other.chain === "trunk");
}

/** Every kernel of the network's module. */
function kernelsFor(layers: readonly WasmLayer[], layout: ParamLayout, relaxed: boolean): ExportedFunction[] {
  const activation = layout.config.activation;
  const functions: ExportedFunction[] = [
    { name: "sumSquares", body: sumSquaresKernel() },
    { name: "adamVectors", body: adamVectorsKernel() },
  ];
  const trunkLast = layers.findLastIndex((layer) => layer.chain === "trunk");
  layers.forEach((layer, i) => {
    const source = sourceOf(layers, i);
    const inputStride = source < 0 ? pad4(layout.config.obsDim) : layers[source]!.outStride;
    const isHead = i === layers.findLastIndex((other) => other.chain === layer.chain) &&
      layer.chain !== "trunk";
    const { inDim, outDim } = layer.info;
    functions.push({
      name: `forward${i}`,
      body: gemmKernel({
        inner: inDim,
        aStride: inputStride,
        mStride: layer.outStride,
        outColumns: pad4(outDim),
        cStride: layer.outStride,
        epilogue: { kind: "forward", activation: isHead ? "identity" : activation },
        relaxed,
      }),
    });
    functions.push({
      name: `weightGrad${i}`,
      body: gemmTnKernel({
        outRows: outDim,
        aStride: layer.outStride,
        columns: pad4(inDim),
        bStride: inputStride,
        gStride: layer.inStride,
        relaxed,
      }),
    });
    functions.push({
      name: `biasGrad${i}`,
      body: columnSumKernel({ columns: layer.outStride, stride: layer.outStride }),
    });
    if (source >= 0) {
      // Backward runs from the last layer down: into a shared trunk's last output the critic's head writes
      // first, then the actor's head adds its part and applies the activation's derivative; any other layer
      // writes and applies it at once.
      const firstIntoTrunk = source === trunkLast && layer.chain === "critic";
      functions.push({
        name: `inputGrad${i}`,
        body: gemmKernel({
          inner: outDim,
          aStride: layer.outStride,
          mStride: layer.inStride,
          outColumns: pad4(inDim),
          cStride: layer.inStride,
          epilogue: {
            kind: "backward",
            accumulate: source === trunkLast && layer.chain === "actor",
            derivative: firstIntoTrunk ? "none" : activation,
          },
          relaxed,
        }),
      });
    }
    functions.push({
      name: `adam${i}`,
      body: adamMatrixKernel({ columns: inDim, stride: layer.inStride, transposedStride: layer.outStride }),
    });
  });
  return functions;
}
