/**
 * Kernel bodies of the batched actor-critic: dense layers forward and backward, the action heads, the PPO loss
 * gradient at the heads, the global gradient norm and Adam. The bodies are transpiled by gpu.js, so they use
 * only what it understands: numbers, `Math`, array reads, `if` and `for` with constant bounds (quirk 1 in
 * GPUJS_NOTES).
 *
 * Layout convention, the same on every backend (quirk 3): per-sample activations are 2D kernel outputs
 * `[width, batch]`, i.e. one row per sample, read as `h[b][j]`; host arguments (observations, actions, the flat
 * parameter vector) are flat and read as `a[b * width + j]`. The row axis matters for speed on webasm: its SIMD
 * body runs four consecutive columns of one row at once, so a read that depends only on the row (`thread.y`) or
 * on loop counters is one load shared by the four lanes, while a read indexed by `thread.x` costs four loads.
 * Each matrix product below is arranged so that one of its two operands is such a shared read.
 *
 * Activation codes: 0 identity, 1 tanh, 2 relu.
 *
 * @module
 */
import type { KernelThis, Matrix } from "./_gpu.ts";

/**
 * Constants of the dense-layer kernels. A kernel runs one layer of up to two networks at once, stacked by rows:
 * rows `[0, batch)` are the actor's (or the only network's) samples and rows `[batch, 2 * batch)` the critic's.
 * The row decides which weights a cell uses, and a row is uniform across a SIMD quad, so the choice is a real
 * branch and costs nothing per cell; one kernel instead of two halves the steps of a plan, and on threaded
 * webasm every step is a barrier between workers (about 55 us measured).
 */
export interface DenseConstants {
  readonly batch: number;
  /** Input width. */
  readonly inDim: number;
  /** Output width of the actor rows (or the only network). */
  readonly outA: number;
  /** Output width of the critic rows (equal to `outA` with one network). */
  readonly outC: number;
  readonly weightA: number;
  readonly biasA: number;
  readonly weightC: number;
  readonly biasC: number;
  /** 1: the input has a row per output row (stacked); 0: every network reads the same `[batch]` input rows. */
  readonly stackedInput: number;
  /** Forward: the layer's activation. Input gradient: the activation that produced the input. */
  readonly activation: number;
  /** 1: tanh by an inline continued fraction (webasm); 0: `Math.tanh` (native on cpu and webgpu). */
  readonly inlineTanh: number;
}

/** `y[r][j] = act(bias[j] + sum_i W[j, i] x[r][i])` over `[max(outA, outC), rows]`, for a hidden input. */
export function denseForward(this: KernelThis<DenseConstants>, params: Float32Array, x: Matrix): number {
  let weight = this.constants.weightA;
  let bias = this.constants.biasA;
  let out = this.constants.outA;
  let row = this.thread.y;
  if (this.thread.y >= this.constants.batch) {
    weight = this.constants.weightC;
    bias = this.constants.biasC;
    out = this.constants.outC;
    if (this.constants.stackedInput === 0) row = this.thread.y - this.constants.batch;
  }
  if (this.thread.x >= out) return 0;
  const w = weight + this.thread.x * this.constants.inDim;
  let sum = params[bias + this.thread.x]!;
  for (let i = 0; i < this.constants.inDim; i++) {
    sum += params[w + i]! * x[row]![i]!;
  }
  if (this.constants.activation === 2) return Math.max(sum, 0);
  if (this.constants.activation === 1) {
    if (this.constants.inlineTanh === 0) return Math.tanh(sum);
    // Lambert's continued fraction tanh(x) = x / (1 + x^2 / (3 + x^2 / (5 + ...))), 12 terms, |x| clamped to 9
    // (where float32 tanh is 1): within 2.1e-7 of Math.tanh. On webasm, Math.tanh is a call out to JavaScript
    // per SIMD lane, which cost more than the layer's 64 multiply-adds; this is 12 native f32x4 divisions.
    const c = Math.min(Math.max(sum, -9), 9);
    const c2 = c * c;
    let t = 25.0;
    for (let k = 0; k < 12; k++) t = 23 - 2 * k + c2 / t;
    return c / t;
  }
  return sum;
}

/** {@linkcode denseForward} for a first layer, whose input is the flat `[batch * inDim]` observations. */
export function denseForwardObs(
  this: KernelThis<DenseConstants>,
  params: Float32Array,
  obs: Float32Array,
): number {
  let weight = this.constants.weightA;
  let bias = this.constants.biasA;
  let out = this.constants.outA;
  let sample = this.thread.y;
  if (this.thread.y >= this.constants.batch) {
    weight = this.constants.weightC;
    bias = this.constants.biasC;
    out = this.constants.outC;
    sample = this.thread.y - this.constants.batch;
  }
  if (this.thread.x >= out) return 0;
  const w = weight + this.thread.x * this.constants.inDim;
  const start = sample * this.constants.inDim;
  let sum = params[bias + this.thread.x]!;
  for (let i = 0; i < this.constants.inDim; i++) {
    sum += params[w + i]! * obs[start + i]!;
  }
  if (this.constants.activation === 2) return Math.max(sum, 0);
  if (this.constants.activation === 1) {
    if (this.constants.inlineTanh === 0) return Math.tanh(sum);
    // Lambert's continued fraction tanh(x) = x / (1 + x^2 / (3 + x^2 / (5 + ...))), 12 terms, |x| clamped to 9
    // (where float32 tanh is 1): within 2.1e-7 of Math.tanh. On webasm, Math.tanh is a call out to JavaScript
    // per SIMD lane, which cost more than the layer's 64 multiply-adds; this is 12 native f32x4 divisions.
    const c = Math.min(Math.max(sum, -9), 9);
    const c2 = c * c;
    let t = 25.0;
    for (let k = 0; k < 12; k++) t = 23 - 2 * k + c2 / t;
    return c / t;
  }
  return sum;
}

/** Constants of the weight- and bias-gradient kernels. */
export interface WeightGradConstants {
  readonly batch: number;
  readonly inDim: number;
  /** Rows per network in the output: `max(outA, outC)`. */
  readonly outDim: number;
  readonly outA: number;
  readonly outC: number;
  readonly stackedInput: number;
}

/**
 * Weight gradient of a (stacked) layer over `[inDim, nets * outDim]`: row `n * outDim + j` holds network `n`'s
 * `dW[j][i] = sum_b dz[b][j] x[b][i]`. The network and sample offsets are computed arithmetically from the row:
 * on webasm, locals assigned under branches made this loop about 3x slower (measured).
 */
export function denseWeightGrad(this: KernelThis<WeightGradConstants>, dz: Matrix, x: Matrix): number {
  const net = Math.floor(this.thread.y / this.constants.outDim);
  const j = this.thread.y - net * this.constants.outDim;
  if (j >= this.constants.outA + net * (this.constants.outC - this.constants.outA)) return 0;
  const dzBase = net * this.constants.batch;
  const xBase = dzBase * this.constants.stackedInput;
  let sum = 0;
  for (let b = 0; b < this.constants.batch; b++) {
    sum += dz[dzBase + b]![j]! * x[xBase + b]![this.thread.x]!;
  }
  return sum;
}

/** {@linkcode denseWeightGrad} for a first layer, whose input is the flat observations. */
export function denseWeightGradObs(
  this: KernelThis<WeightGradConstants>,
  dz: Matrix,
  obs: Float32Array,
): number {
  const net = Math.floor(this.thread.y / this.constants.outDim);
  const j = this.thread.y - net * this.constants.outDim;
  if (j >= this.constants.outA + net * (this.constants.outC - this.constants.outA)) return 0;
  const dzBase = net * this.constants.batch;
  let sum = 0;
  for (let b = 0; b < this.constants.batch; b++) {
    sum += dz[dzBase + b]![j]! * obs[b * this.constants.inDim + this.thread.x]!;
  }
  return sum;
}

/** Bias gradient of a (stacked) layer over `[outDim, nets]`: `db[n][j] = sum_b dz[n * batch + b][j]`. */
export function denseBiasGrad(this: KernelThis<WeightGradConstants>, dz: Matrix): number {
  const dzBase = this.thread.y * this.constants.batch;
  let sum = 0;
  for (let b = 0; b < this.constants.batch; b++) {
    sum += dz[dzBase + b]![this.thread.x]!;
  }
  return sum;
}

/**
 * Gradient wrt the pre-activation of a (stacked) layer's hidden input `h`, over `[inDim, rows]`:
 * `dz_in[r][i] = act'(h[r][i]) sum_j dz[r][j] W[j, i]`, the derivative taken from the activation's output.
 */
export function denseInputGrad(
  this: KernelThis<DenseConstants>,
  params: Float32Array,
  dz: Matrix,
  h: Matrix,
): number {
  let weight = this.constants.weightA;
  let out = this.constants.outA;
  if (this.thread.y >= this.constants.batch) {
    weight = this.constants.weightC;
    out = this.constants.outC;
  }
  let sum = 0;
  for (let j = 0; j < out; j++) {
    sum += dz[this.thread.y]![j]! * params[weight + j * this.constants.inDim + this.thread.x]!;
  }
  const value = h[this.thread.y]![this.thread.x]!;
  if (this.constants.activation === 1) return sum * (1 - value * value);
  if (this.constants.activation === 2) {
    if (value > 0) return sum;
    return 0;
  }
  return sum;
}

/**
 * {@linkcode denseInputGrad} for a shared trunk's last layer, over `[inDim, batch]`: it feeds both heads, whose
 * stacked gradient has the policy rows first and the value rows (column 0) after.
 */
export function sharedInputGrad(
  this: KernelThis<DenseConstants>,
  params: Float32Array,
  dHeads: Matrix,
  h: Matrix,
): number {
  const b = this.thread.y;
  let sum = dHeads[this.constants.batch + b]![0]! * params[this.constants.weightC + this.thread.x]!;
  for (let j = 0; j < this.constants.outA; j++) {
    sum += dHeads[b]![j]! * params[this.constants.weightA + j * this.constants.inDim + this.thread.x]!;
  }
  const value = h[b]![this.thread.x]!;
  if (this.constants.activation === 1) return sum * (1 - value * value);
  if (this.constants.activation === 2) {
    if (value > 0) return sum;
    return 0;
  }
  return sum;
}

/** Constants of the categorical head kernels. */
export interface CategoricalConstants {
  /** Number of actions. */
  readonly n: number;
  /** 1: greedy (argmax); 0: inverse-CDF sampling. */
  readonly deterministic: number;
}

/**
 * Categorical action per sample, over `[batch]`: the first action whose cumulative probability exceeds the
 * uniform `u[b]` (masked actions have probability 0 and are never picked), or the argmax when deterministic.
 */
export function categoricalSample(
  this: KernelThis<CategoricalConstants>,
  logits: Matrix,
  mask: Float32Array,
  uniforms: Float32Array,
): number {
  const base = this.thread.x * this.constants.n;
  let top = -3.0e38;
  let best = -1;
  for (let k = 0; k < this.constants.n; k++) {
    if (mask[base + k]! > 0) {
      if (logits[this.thread.x]![k]! > top) {
        top = logits[this.thread.x]![k]!;
        best = k;
      }
    }
  }
  if (this.constants.deterministic === 1) return best;
  let total = 0;
  for (let k = 0; k < this.constants.n; k++) {
    if (mask[base + k]! > 0) total += Math.exp(logits[this.thread.x]![k]! - top);
  }
  const target = uniforms[this.thread.x]! * total;
  let cumulative = 0;
  let chosen = -1;
  let last = best;
  for (let k = 0; k < this.constants.n; k++) {
    if (mask[base + k]! > 0) {
      cumulative += Math.exp(logits[this.thread.x]![k]! - top);
      last = k;
      if (chosen < 0) {
        if (target < cumulative) chosen = k;
      }
    }
  }
  // Rounding can leave the target just above the last cumulative sum: take the last allowed action.
  if (chosen < 0) return last;
  return chosen;
}

/** Log-probability of `actions[b]` under the masked categorical, over `[batch]`. */
export function categoricalLogProb(
  this: KernelThis<CategoricalConstants>,
  logits: Matrix,
  mask: Float32Array,
  actions: Float32Array,
): number {
  const base = this.thread.x * this.constants.n;
  let top = -3.0e38;
  for (let k = 0; k < this.constants.n; k++) {
    if (mask[base + k]! > 0) top = Math.max(top, logits[this.thread.x]![k]!);
  }
  let total = 0;
  for (let k = 0; k < this.constants.n; k++) {
    if (mask[base + k]! > 0) total += Math.exp(logits[this.thread.x]![k]! - top);
  }
  const action = Math.floor(actions[this.thread.x]! + 0.5);
  let chosen = 0;
  for (let k = 0; k < this.constants.n; k++) {
    if (k === action) chosen = logits[this.thread.x]![k]!;
  }
  return chosen - top - Math.log(total);
}

/** Entropy of the masked categorical, over `[batch]` (masked actions contribute 0). */
export function categoricalEntropy(
  this: KernelThis<CategoricalConstants>,
  logits: Matrix,
  mask: Float32Array,
): number {
  const base = this.thread.x * this.constants.n;
  let top = -3.0e38;
  for (let k = 0; k < this.constants.n; k++) {
    if (mask[base + k]! > 0) top = Math.max(top, logits[this.thread.x]![k]!);
  }
  let total = 0;
  let weighted = 0;
  for (let k = 0; k < this.constants.n; k++) {
    if (mask[base + k]! > 0) {
      const e = Math.exp(logits[this.thread.x]![k]! - top);
      total += e;
      weighted += e * (logits[this.thread.x]![k]! - top);
    }
  }
  return Math.log(total) - weighted / total;
}

/** Constants of the gaussian head kernels. */
export interface GaussianConstants {
  readonly dim: number;
  readonly logStdOffset: number;
  readonly deterministic: number;
}

/** `action[b][d] = mean + exp(logStd[d]) * noise` (or the mean when deterministic), over `[dim, batch]`. */
export function gaussianSample(
  this: KernelThis<GaussianConstants>,
  params: Float32Array,
  means: Matrix,
  noise: Float32Array,
): number {
  const mean = means[this.thread.y]![this.thread.x]!;
  if (this.constants.deterministic === 1) return mean;
  const std = Math.exp(params[this.constants.logStdOffset + this.thread.x]!);
  return mean + std * noise[this.thread.y * this.constants.dim + this.thread.x]!;
}

/** Diagonal-gaussian log-probability of the flat `actions[b, :]`, over `[batch]`. */
export function gaussianLogProb(
  this: KernelThis<GaussianConstants>,
  params: Float32Array,
  means: Matrix,
  actions: Float32Array,
): number {
  const base = this.thread.x * this.constants.dim;
  let sum = 0;
  for (let d = 0; d < this.constants.dim; d++) {
    const logStd = params[this.constants.logStdOffset + d]!;
    const z = (actions[base + d]! - means[this.thread.x]![d]!) * Math.exp(-logStd);
    sum += -0.5 * z * z - logStd - 0.9189385332046727;
  }
  return sum;
}

/** {@linkcode gaussianLogProb} for actions that are a 2D kernel result (inside `act`). */
export function gaussianLogProbOfRows(
  this: KernelThis<GaussianConstants>,
  params: Float32Array,
  means: Matrix,
  actions: Matrix,
): number {
  let sum = 0;
  for (let d = 0; d < this.constants.dim; d++) {
    const logStd = params[this.constants.logStdOffset + d]!;
    const z = (actions[this.thread.x]![d]! - means[this.thread.x]![d]!) * Math.exp(-logStd);
    sum += -0.5 * z * z - logStd - 0.9189385332046727;
  }
  return sum;
}

/** Diagonal-gaussian entropy (the same for every sample: the log-std is state-independent), over `[batch]`. */
export function gaussianEntropy(this: KernelThis<GaussianConstants>, params: Float32Array): number {
  let sum = 0;
  for (let d = 0; d < this.constants.dim; d++) {
    sum += 1.4189385332046727 + params[this.constants.logStdOffset + d]!;
  }
  return sum;
}

/** Slots of the `hyper` vector: an argument rather than constants, so a learning-rate schedule needs no recompile. */
export const HYPER = {
  learningRate: 0,
  criticLearningRate: 1,
  clipCoef: 2,
  entCoef: 3,
  vfCoef: 4,
  maxGradNorm: 5,
  adamEps: 6,
  /** `1 - beta1^t` */
  correction1: 7,
  /** `1 - beta2^t` */
  correction2: 8,
  /** 1 to clip the value loss. */
  clipVloss: 9,
  size: 10,
} as const;

/**
 * Per-sample training inputs packed in one flat argument (WebGPU allows 8 storage buffers per kernel):
 * `samples[b * 4 + slot]`.
 */
export const SAMPLE = { oldLogProb: 0, advantage: 1, return: 2, oldValue: 3, width: 4 } as const;

/** Constants of the loss-gradient kernels. */
export interface HeadGradConstants {
  readonly batch: number;
  /** Number of actions (categorical) or action dimension (gaussian). */
  readonly n: number;
  readonly logStdOffset: number;
  /** 1 when the log-std is trained (gaussian). */
  readonly trainable: number;
}

/**
 * Gradient of the PPO loss wrt the stacked head outputs of a categorical policy, over `[n, 2 * batch]`, with the
 * (already normalised) advantages in `samples`. Policy rows: `dLogProb (onehot - p) + entCoef / batch * p (log p
 * + H)`, where `dLogProb = -adv * ratio / batch` if the unclipped surrogate is the larger term and 0 otherwise
 * (the clipped term is then strictly larger, the ratio outside the clip range, the clamp's gradient 0). Value
 * rows, column 0: `vfCoef * (v - R) / batch`, or 0 where the value moved outside the clip range and the
 * clipped loss is the larger.
 */
export function categoricalHeadGrad(
  this: KernelThis<HeadGradConstants>,
  hyper: Float32Array,
  heads: Matrix,
  mask: Float32Array,
  actions: Float32Array,
  samples: Float32Array,
): number {
  const batch = this.constants.batch;
  if (this.thread.y >= batch) {
    if (this.thread.x > 0) return 0;
    const s = (this.thread.y - batch) * 4;
    const v = heads[this.thread.y]![0]!;
    const error = v - samples[s + 2]!;
    const delta = v - samples[s + 3]!;
    // Inside the clip range the clipped value IS the value (recomputing it in float32 could round it away).
    if (hyper[9]! > 0 && (delta < -hyper[2]! || delta > hyper[2]!)) {
      const clippedError = samples[s + 3]! + Math.min(Math.max(delta, -hyper[2]!), hyper[2]!) -
        samples[s + 2]!;
      // The saturated clamp passes no gradient; a tie splits it, as torch.max does.
      if (clippedError * clippedError > error * error) return 0;
      if (clippedError * clippedError === error * error) return 0.5 * hyper[4]! / batch * error;
    }
    return hyper[4]! / batch * error;
  }
  const b = this.thread.y;
  const base = b * this.constants.n;
  if (mask[base + this.thread.x]! <= 0) return 0;
  let top = -3.0e38;
  for (let c = 0; c < this.constants.n; c++) {
    if (mask[base + c]! > 0) top = Math.max(top, heads[b]![c]!);
  }
  let total = 0;
  let weighted = 0;
  for (let c = 0; c < this.constants.n; c++) {
    if (mask[base + c]! > 0) {
      const e = Math.exp(heads[b]![c]! - top);
      total += e;
      weighted += e * (heads[b]![c]! - top);
    }
  }
  const logTotal = Math.log(total);
  const entropy = logTotal - weighted / total;
  const action = Math.floor(actions[b]! + 0.5);
  let actionLogit = 0;
  for (let c = 0; c < this.constants.n; c++) {
    if (c === action) actionLogit = heads[b]![c]!;
  }
  const ratio = Math.exp(actionLogit - top - logTotal - samples[b * 4]!);
  const advantage = samples[b * 4 + 1]!;
  const clipped = Math.min(Math.max(ratio, 1 - hyper[2]!), 1 + hyper[2]!);
  let dLogProb = 0;
  if (-advantage * ratio >= -advantage * clipped) dLogProb = -advantage * ratio / batch;
  const logP = heads[b]![this.thread.x]! - top - logTotal;
  const p = Math.exp(logP);
  let onehot = 0;
  if (this.thread.x === action) onehot = 1;
  return dLogProb * (onehot - p) + hyper[3]! / batch * p * (logP + entropy);
}

/**
 * {@linkcode categoricalHeadGrad} for a gaussian policy, over `[dim, 2 * batch]`: policy rows get
 * `dLogProb (a - mean) / std^2`, value rows the same value gradient.
 */
export function gaussianHeadGrad(
  this: KernelThis<HeadGradConstants>,
  hyper: Float32Array,
  params: Float32Array,
  heads: Matrix,
  actions: Float32Array,
  samples: Float32Array,
): number {
  const batch = this.constants.batch;
  if (this.thread.y >= batch) {
    if (this.thread.x > 0) return 0;
    const s = (this.thread.y - batch) * 4;
    const v = heads[this.thread.y]![0]!;
    const error = v - samples[s + 2]!;
    const delta = v - samples[s + 3]!;
    // Inside the clip range the clipped value IS the value (recomputing it in float32 could round it away).
    if (hyper[9]! > 0 && (delta < -hyper[2]! || delta > hyper[2]!)) {
      const clippedError = samples[s + 3]! + Math.min(Math.max(delta, -hyper[2]!), hyper[2]!) -
        samples[s + 2]!;
      // The saturated clamp passes no gradient; a tie splits it, as torch.max does.
      if (clippedError * clippedError > error * error) return 0;
      if (clippedError * clippedError === error * error) return 0.5 * hyper[4]! / batch * error;
    }
    return hyper[4]! / batch * error;
  }
  const b = this.thread.y;
  const base = b * this.constants.n;
  let logProb = 0;
  for (let d = 0; d < this.constants.n; d++) {
    const logStd = params[this.constants.logStdOffset + d]!;
    const z = (actions[base + d]! - heads[b]![d]!) * Math.exp(-logStd);
    logProb += -0.5 * z * z - logStd - 0.9189385332046727;
  }
  const ratio = Math.exp(logProb - samples[b * 4]!);
  const advantage = samples[b * 4 + 1]!;
  const clipped = Math.min(Math.max(ratio, 1 - hyper[2]!), 1 + hyper[2]!);
  let dLogProb = 0;
  if (-advantage * ratio >= -advantage * clipped) dLogProb = -advantage * ratio / batch;
  const variance = Math.exp(2 * params[this.constants.logStdOffset + this.thread.x]!);
  return dLogProb * (actions[base + this.thread.x]! - heads[b]![this.thread.x]!) / variance;
}

/**
 * `d loss / d logStd[d] = sum_b dLogProb[b] (z^2 - 1) - entCoef` (each sample's entropy is
 * `sum_d logStd[d] + const`), or 0 for a fixed log-std. Over `[dim]`.
 */
export function gaussianLogStdGrad(
  this: KernelThis<HeadGradConstants>,
  hyper: Float32Array,
  params: Float32Array,
  heads: Matrix,
  actions: Float32Array,
  samples: Float32Array,
): number {
  if (this.constants.trainable === 0) return 0;
  const n = this.constants.n;
  const variance = Math.exp(2 * params[this.constants.logStdOffset + this.thread.x]!);
  let sum = 0;
  for (let b = 0; b < this.constants.batch; b++) {
    let logProb = 0;
    for (let d = 0; d < n; d++) {
      const logStd = params[this.constants.logStdOffset + d]!;
      const z = (actions[b * n + d]! - heads[b]![d]!) * Math.exp(-logStd);
      logProb += -0.5 * z * z - logStd - 0.9189385332046727;
    }
    const ratio = Math.exp(logProb - samples[b * 4]!);
    const advantage = samples[b * 4 + 1]!;
    const clipped = Math.min(Math.max(ratio, 1 - hyper[2]!), 1 + hyper[2]!);
    if (-advantage * ratio >= -advantage * clipped) {
      const diff = actions[b * n + this.thread.x]! - heads[b]![this.thread.x]!;
      sum += -advantage * ratio / this.constants.batch * (diff * diff / variance - 1);
    }
  }
  return sum - hyper[3]!;
}

/** Constants of the reduction kernels. */
export interface ReduceConstants {
  /** Length of the reduced vector. */
  readonly length: number;
  /** Elements per partial sum. */
  readonly chunk: number;
}

/**
 * Partial sums of squares over `[ceil(length / chunk)]`: the global gradient norm. With one chunk covering the
 * whole vector this is the norm in one step (cheaper than a second step for vectors of up to about 64k values).
 */
export function sumSquaresPartial(this: KernelThis<ReduceConstants>, values: Float32Array): number {
  const start = this.thread.x * this.constants.chunk;
  let sum = 0;
  for (let i = 0; i < this.constants.chunk; i++) {
    if (start + i < this.constants.length) {
      const v = values[start + i]!;
      sum += v * v;
    }
  }
  return sum;
}

/** Sum of the `length` partials, over `[1]`: the squared global gradient norm. */
export function sumAll(this: KernelThis<ReduceConstants>, values: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < this.constants.length; i++) sum += values[i]!;
  return sum;
}

/** Constants of the Adam kernels. */
export interface AdamConstants {
  readonly beta1: number;
  readonly beta2: number;
  /** `1 - beta1`, computed in float64: `1 - 0.999` in float32 is off by 1.3e-5 relative. */
  readonly oneMinusBeta1: number;
  readonly oneMinusBeta2: number;
}

/**
 * One Adam step over `[padded size, 3]`: row 0 the new first moment, row 1 the new second moment, row 2 the new
 * parameters (PyTorch's formulation: `p - lr / c1 * m / (sqrt(v) / sqrt(c2) + eps)`). One kernel rather than
 * one per output: each plan step costs a barrier between webasm workers, and recomputing the moments per row is
 * a few multiply-adds. The gradient is first clipped by global norm as `torch.nn.utils.clip_grad_norm_` does
 * (scaled by `max / (norm + 1e-6)` when that is below 1). `groups[x]` is 0 for actor, 1 for critic and 2 for
 * frozen parameters, which keep their value.
 */
export function adamStep(
  this: KernelThis<AdamConstants>,
  hyper: Float32Array,
  squaredNorm: Float32Array,
  grads: Float32Array,
  m: Float32Array,
  v: Float32Array,
  params: Float32Array,
  groups: Float32Array,
): number {
  const g = grads[this.thread.x]! * Math.min(1, hyper[5]! / (Math.sqrt(squaredNorm[0]!) + 1e-6));
  const first = this.constants.beta1 * m[this.thread.x]! + this.constants.oneMinusBeta1 * g;
  if (this.thread.y === 0) return first;
  const second = this.constants.beta2 * v[this.thread.x]! + this.constants.oneMinusBeta2 * g * g;
  if (this.thread.y === 1) return second;
  const group = groups[this.thread.x]!;
  const p = params[this.thread.x]!;
  if (group > 1.5) return p;
  let rate = hyper[0]!;
  if (group > 0.5) rate = hyper[1]!;
  return p - rate / hyper[7]! * first / (Math.sqrt(second) / Math.sqrt(hyper[8]!) + hyper[6]!);
}
