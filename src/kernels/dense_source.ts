/**
 * Generated gpu.js sources of the dense-layer kernels with their sums unrolled, for the webasm and cpu backends.
 *
 * Why generate: gpu.js's webasm backend declares every local, loop counters included, as a float, so a loop body
 * converts its indices float to integer on every read, and its SIMD body runs each read indexed by `thread.x` as
 * four scalar loads. A straight-line sum whose offsets are literals keeps all index arithmetic in integers and
 * leaves the rest to the engine's optimiser: measured 1.6-1.7x faster per layer than the loop kernels of
 * `mlp_kernels.ts` on webasm. The loop kernels stay for webgpu, whose compiler unrolls by itself.
 *
 * The kernels compute what their loop twins in `mlp_kernels.ts` compute, on the same stacked layout: rows
 * `[0, batch)` are the actor's (or the only network's) samples, rows `[batch, 2 * batch)` the critic's. The row
 * is uniform across a SIMD quad, so the branch between the two networks costs nothing per cell. Sums run over
 * four accumulators (independent addition chains), so they round differently from a sequential sum, within
 * float32 tolerance.
 *
 * @module
 */
import { TANH_COEFFICIENTS } from "../core/tanh_rational.ts";
import type { DenseInfo } from "../model/types.ts";

/** One depth of the network: both networks' layers at once (see `PolicyPlans`). */
export interface DenseStage {
  readonly a: DenseInfo;
  /** The critic's layer; the same as `a` for a single network (a shared trunk). */
  readonly c: DenseInfo;
  readonly nets: 1 | 2;
  /** Where the input comes from: the flat observations, a stacked hidden layer, or one trunk for both heads. */
  readonly input: "obs" | "stacked" | "shared";
  readonly outDim: number;
}

/** Activation codes, as in `mlp_kernels.ts`: 0 identity, 1 tanh, 2 relu. */
export type ActivationCode = 0 | 1 | 2;

/**
 * Longest sum generated: a term is about 60 bytes of WebAssembly, so 1024 terms make a kernel of about 120 KB that
 * compiles in milliseconds. Longer sums (minibatches above 1024 samples, layers wider than 1024) use the loop
 * kernels.
 */
export const MAX_UNROLLED_TERMS = 1024;
/** Independent accumulators per sum. */
const ACCUMULATORS = 4;

/** Source lines that set `name` to `activation(z)`. */
function activationSource(activation: ActivationCode, z: string, name: string): string {
  if (activation === 2) return `const ${name} = Math.max(${z}, 0);`;
  if (activation === 0) return `const ${name} = ${z};`;
  const horner = (coefficients: readonly number[]) =>
    coefficients.slice(0, -1).reduceRight(
      (inner, c) => `(${literal(c)} + t2 * ${inner})`,
      literal(coefficients.at(-1)!),
    );
  return [
    `const tc = Math.min(Math.max(${z}, -${literal(TANH_COEFFICIENTS.limit)}), ${
      literal(TANH_COEFFICIENTS.limit)
    });`,
    "const t2 = tc * tc;",
    `const ${name} = tc * ${horner(TANH_COEFFICIENTS.p)} / ${horner(TANH_COEFFICIENTS.q)};`,
  ].join("\n");
}

/** A float literal gpu.js reads as a float (an integral value gets a decimal point). */
function literal(value: number): string {
  const text = String(value);
  return /[.e]/.test(text) ? text : `${text}.0`;
}

/**
 * Statements adding `sum_{k < count} term(k)` into accumulators `s0..s3` (declared here, `s0` starting at
 * `init`), then `const total`, their sum.
 */
function sumSource(count: number, init: string, term: (k: number) => string): string {
  if (count > MAX_UNROLLED_TERMS) {
    throw new RangeError(
      `Cannot generate a dense kernel as sums are unrolled up to ${MAX_UNROLLED_TERMS} terms: current value is ${count}`,
    );
  }
  const lines = [`let s0 = ${init};`];
  for (let a = 1; a < ACCUMULATORS; a++) lines.push(`let s${a} = 0.0;`);
  for (let k = 0; k < count; k++) lines.push(`s${k % ACCUMULATORS} += ${term(k)};`);
  lines.push(`const total = ${Array.from({ length: ACCUMULATORS }, (_, a) => `s${a}`).join(" + ")};`);
  return lines.join("\n");
}

/** Reads of a stage's input at row `row` (source) and column `column` (source). */
function inputRead(stage: DenseStage, row: string, column: string): string {
  return stage.input === "obs" ? `x[(${row}) * ${stage.a.inDim} + ${column}]` : `x[${row}][${column}]`;
}

/** Rounds up to a multiple of 4: webasm's SIMD body runs only on rows whose width is one. */
export function padded(size: number): number {
  return Math.ceil(size / 4) * 4;
}

/**
 * Columns of a stage's forward output: its width {@linkcode padded}, so that webasm runs every row in SIMD quads
 * (a head of 2 actions alone would run lane by lane); the extra columns hold 0.
 */
export function forwardWidth(stage: DenseStage): number {
  return padded(stage.outDim);
}

/**
 * Forward pass of one stage, over `[forwardWidth(stage), nets * batch]`:
 * `y[r][j] = act(bias[j] + sum_i W[j, i] x[r][i])`. Arguments: `(params, x)`, `x` being the flat observations for
 * the first stage and rows otherwise.
 */
export function denseForwardSource(stage: DenseStage, batch: number, activation: ActivationCode): string {
  const width = forwardWidth(stage);
  const branch = (layer: DenseInfo, row: string) => {
    const guard = layer.outDim < width ? `if (this.thread.x >= ${layer.outDim}) return 0;` : "";
    const sum = sumSource(
      layer.inDim,
      `params[this.thread.x + ${layer.biasOffset}]`,
      (k) =>
        `params[this.thread.x * ${layer.inDim} + ${layer.weightOffset + k}] * ${
          inputRead(stage, row, String(k))
        }`,
    );
    return `${guard}\n${sum}\n${activationSource(activation, "total", "y")}\nreturn y;`;
  };
  const criticRow = stage.input === "stacked" ? "this.thread.y" : `this.thread.y - ${batch}`;
  const body = stage.nets === 1
    ? branch(stage.a, "this.thread.y")
    : `if (this.thread.y < ${batch}) {\n${branch(stage.a, "this.thread.y")}\n}\n${
      branch(stage.c, criticRow)
    }`;
  return `function denseForwardUnrolled(params, x) {\n${body}\n}`;
}

/**
 * Weight gradient of one stage, over `[inDim, nets * outDim]`: row `n * outDim + j` holds network `n`'s
 * `dW[j][i] = sum_b dz[b][j] x[b][i]`. Arguments: `(dz, x)`.
 */
export function denseWeightGradSource(stage: DenseStage, batch: number): string {
  const branch = (layer: DenseInfo, net: number) => {
    const j = net === 0 ? "this.thread.y" : `(this.thread.y - ${stage.outDim})`;
    const guard = layer.outDim < stage.outDim ? `if (${j} >= ${layer.outDim}) return 0;` : "";
    const inputBase = net === 1 && stage.input === "stacked" ? batch : 0;
    const sum = sumSource(
      batch,
      "0.0",
      (b) => `dz[${net * batch + b}][${j}] * ${inputRead(stage, String(inputBase + b), "this.thread.x")}`,
    );
    return `${guard}\n${sum}\nreturn total;`;
  };
  const body = stage.nets === 1
    ? branch(stage.a, 0)
    : `if (this.thread.y < ${stage.outDim}) {\n${branch(stage.a, 0)}\n}\n${branch(stage.c, 1)}`;
  return `function denseWeightGradUnrolled(dz, x) {\n${body}\n}`;
}

/** Bias gradient of one stage, over `[outDim, nets]`: `db[n][j] = sum_b dz[n * batch + b][j]`. Argument: `(dz)`. */
export function denseBiasGradSource(stage: DenseStage, batch: number): string {
  const branch = (net: number) => {
    const sum = sumSource(batch, "0.0", (b) => `dz[${net * batch + b}][this.thread.x]`);
    return `${sum}\nreturn total;`;
  };
  const body = stage.nets === 1 ? branch(0) : `if (this.thread.y < 1) {\n${branch(0)}\n}\n${branch(1)}`;
  return `function denseBiasGradUnrolled(dz) {\n${body}\n}`;
}

/**
 * Gradient wrt the pre-activation of a stage's hidden input `h`, over `[inDim, rows]`:
 * `dz_in[r][i] = act'(h[r][i]) sum_j dz[r][j] W[j, i]`, the derivative taken from the activation's output
 * (`activation` is the one that produced `h`). A shared trunk's last layer feeds both heads: its gradient sums the
 * policy rows and the value row (column 0) of the stacked head gradient, over `[inDim, batch]`.
 * Arguments: `(params, dz, h)`.
 */
export function denseInputGradSource(stage: DenseStage, batch: number, activation: ActivationCode): string {
  const derivative = activation === 1
    ? "return total * (1.0 - value * value);"
    : activation === 2
    ? "if (value > 0.0) return total;\nreturn 0.0;"
    : "return total;";
  const weight = (layer: DenseInfo, j: number) =>
    `params[${layer.weightOffset + j * layer.inDim} + this.thread.x]`;
  const tail = `const value = h[this.thread.y][this.thread.x];\n${derivative}`;
  if (stage.input === "shared") {
    const sum = sumSource(
      stage.a.outDim,
      `dz[this.thread.y + ${batch}][0] * ${weight(stage.c, 0)}`,
      (j) => `dz[this.thread.y][${j}] * ${weight(stage.a, j)}`,
    );
    return `function sharedInputGradUnrolled(params, dz, h) {\n${sum}\n${tail}\n}`;
  }
  const branch = (layer: DenseInfo) => {
    const sum = sumSource(layer.outDim, "0.0", (j) => `dz[this.thread.y][${j}] * ${weight(layer, j)}`);
    return `${sum}\n${tail}`;
  };
  const body = stage.nets === 1
    ? branch(stage.a)
    : `if (this.thread.y < ${batch}) {\n${branch(stage.a)}\n}\n${branch(stage.c)}`;
  return `function denseInputGradUnrolled(params, dz, h) {\n${body}\n}`;
}
