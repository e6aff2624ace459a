import assert from "node:assert/strict";
import { denseBackward } from "../../src/core/dense_backward.ts";
import { denseForward as referenceDense } from "../../src/core/dense_forward.ts";
import { GpuContext, type KernelThis, type Matrix, readInto } from "../../src/kernels/_gpu.ts";
import {
  type ActivationCode,
  denseBiasGradSource,
  denseForwardSource,
  denseInputGradSource,
  type DenseStage,
  denseWeightGradSource,
  forwardWidth,
  MAX_UNROLLED_TERMS,
} from "../../src/kernels/dense_source.ts";
import { TANH_COEFFICIENTS } from "../../src/core/tanh_rational.ts";
import type { DenseInfo } from "../../src/model/types.ts";
import { assertClose, BACKEND_CASES, randomArray } from "./_backends.ts";

/** Turns a flat host array into a 2D kernel result, so kernels that take rows can be fed test data. */
function toRows(this: KernelThis<{ readonly width: number }>, flat: Float32Array): number {
  return flat[this.thread.y * this.constants.width + this.thread.x]!;
}

function tanhOf(x: number): number {
  const { p, q } = TANH_COEFFICIENTS;
  const c = Math.min(Math.max(x, -9), 9);
  const t = c * c;
  const horner = (coefficients: readonly number[]) => coefficients.reduceRight((sum, k) => k + t * sum, 0);
  return c * horner(p) / horner(q);
}

Deno.test("TANH_COEFFICIENTS give tanh within 3e-7 on [-12, 12]", () => {
  let worst = 0;
  for (let i = -120_000; i <= 120_000; i++) {
    const x = i / 10_000;
    worst = Math.max(worst, Math.abs(tanhOf(x) - Math.tanh(x)));
  }
  assert.ok(worst < 3e-7, `worst error ${worst}`);
  // Past the clamp at 9, tanh is within 3.1e-8 of 1: half a float32 step below 1.
  assert.ok(1 - Math.tanh(9) < 3.1e-8);
});

Deno.test("dense sources refuse sums longer than MAX_UNROLLED_TERMS with a RangeError", () => {
  const layer: DenseInfo = { inDim: 4, outDim: 4, weightOffset: 0, biasOffset: 16, gain: 1 };
  const stage: DenseStage = { a: layer, c: layer, nets: 1, input: "stacked", outDim: 4 };
  assert.throws(
    () => denseWeightGradSource(stage, MAX_UNROLLED_TERMS + 1),
    (e: unknown) =>
      e instanceof RangeError && e.message.includes(`current value is ${MAX_UNROLLED_TERMS + 1}`),
  );
  assert.doesNotThrow(() => denseWeightGradSource(stage, MAX_UNROLLED_TERMS));
});

/** A stage's two layers laid out as [W_A, b_A, W_C, b_C] in one parameter vector. */
function twoLayers(inDim: number, outA: number, outC: number): { a: DenseInfo; c: DenseInfo; size: number } {
  const a = { inDim, outDim: outA, weightOffset: 0, biasOffset: inDim * outA, gain: 1 };
  const cStart = inDim * outA + outA;
  const c = { inDim, outDim: outC, weightOffset: cStart, biasOffset: cStart + inDim * outC, gain: 1 };
  return { a, c, size: cStart + inDim * outC + outC };
}

interface Case {
  readonly inDim: number;
  readonly outA: number;
  readonly outC: number;
  readonly input: DenseStage["input"];
  readonly nets: 1 | 2;
  readonly activation: ActivationCode;
}

/** Every input kind and activation, a head with unequal widths, and the widest sums the generator takes. */
const CASES: readonly Case[] = [
  { inDim: 4, outA: 64, outC: 64, input: "obs", nets: 2, activation: 1 },
  { inDim: 64, outA: 64, outC: 64, input: "stacked", nets: 2, activation: 1 },
  { inDim: 64, outA: 2, outC: 1, input: "stacked", nets: 2, activation: 0 },
  { inDim: 8, outA: 48, outC: 48, input: "obs", nets: 1, activation: 2 },
  { inDim: 48, outA: 48, outC: 48, input: "stacked", nets: 1, activation: 2 },
  { inDim: 48, outA: 3, outC: 1, input: "shared", nets: 2, activation: 0 },
  { inDim: 1024, outA: 12, outC: 12, input: "stacked", nets: 2, activation: 1 },
  { inDim: 12, outA: 1024, outC: 1024, input: "stacked", nets: 1, activation: 2 },
];

const activate = (values: Float64Array, activation: ActivationCode) =>
  activation === 1 ? values.map(Math.tanh) : activation === 2 ? values.map((v) => Math.max(v, 0)) : values;

// The generated kernels run on webasm; they are plain gpu.js, so cpu checks them too. webgpu keeps the loop kernels.
for (const { backend, ignore, note } of BACKEND_CASES.filter((c) => c.backend !== "webgpu")) {
  Deno.test({
    name: `generated dense kernels equal core denseForward and denseBackward on ${backend}${note}`,
    ignore,
    async fn() {
      const ctx = await GpuContext.open(backend);
      try {
        for (const test of CASES) {
          for (const batch of [1, 4, 128, 512]) {
            if (batch > 4 && (test.inDim > 64 || test.outA > 64)) continue;
            await checkStage(ctx, test, batch);
          }
        }
      } finally {
        await ctx.destroy();
      }
    },
  });
}

async function checkStage(ctx: GpuContext, test: Case, batch: number): Promise<void> {
  const { inDim, outA, outC, input, nets, activation } = test;
  const { a, c, size } = twoLayers(inDim, outA, nets === 2 ? outC : outA);
  const stage: DenseStage = {
    a,
    c: nets === 2 ? c : a,
    nets,
    input,
    outDim: Math.max(outA, nets === 2 ? outC : 0),
  };
  const outDim = stage.outDim;
  const where = `${input} ${inDim}->${outA}/${outC} x${nets} batch ${batch}`;
  const params = randomArray(size, 1 + batch, -0.3, 0.3);
  const inputRows = input === "stacked" ? nets * batch : batch;
  const x = randomArray(inputRows * inDim, 2 + batch);
  // The stacked gradient wrt the stage's outputs: one row per output row, padded to the widest layer.
  const dz = randomArray(nets * batch * outDim, 3 + batch);
  const width = forwardWidth(stage);
  const fw = ctx.kernelFromSource(denseForwardSource(stage, batch, activation), {
    size: [width, nets * batch],
    constants: {},
  });
  const wg = ctx.kernelFromSource(denseWeightGradSource(stage, batch), {
    size: [inDim, nets * outDim],
    constants: {},
  });
  const bg = ctx.kernelFromSource(denseBiasGradSource(stage, batch), { size: [outDim, nets], constants: {} });
  const inputGradRows = input === "shared" ? batch : nets * batch;
  const ig = input === "obs" ? undefined : ctx.kernelFromSource(denseInputGradSource(stage, batch, 1), {
    size: [inDim, inputGradRows],
    constants: {},
  });
  const xRows = ctx.kernel(toRows, { size: [inDim, inputRows], constants: { width: inDim } });
  const dzRows = ctx.kernel(toRows, { size: [outDim, nets * batch], constants: { width: outDim } });
  const plan = ctx.plan<Record<string, Float32Array | Matrix>>(3, (p, flat, d) => {
    const xIn = input === "obs" ? flat! : xRows(flat!);
    const dzIn = dzRows(d!);
    const out: Record<string, Float32Array | Matrix> = {
      forward: fw(p!, xIn) as Matrix,
      weights: wg(dzIn, xIn) as Matrix,
      biases: bg(dzIn) as Matrix,
    };
    if (ig) out.input = ig(p!, dzIn, xIn) as Matrix;
    return out;
  });
  const result = await plan.run(params, x, dz);
  assert.equal(plan.backend, ctx.backend, `plan ran on ${plan.backend}: ${plan.fallbackReason}`);
  const read = (name: string, length: number) => {
    const out = new Float32Array(length);
    readInto(result[name]!, out);
    return out;
  };
  const forward = read("forward", nets * batch * width);
  const weights = read("weights", nets * outDim * inDim);
  const biases = read("biases", nets * outDim);
  const tolerance = { atol: 2e-5, rtol: inDim > 64 || outDim > 64 ? 5e-4 : 1e-4 };
  const layers = nets === 2 ? [a, c] : [a];
  const view = (layer: DenseInfo) => ({
    weight: params.subarray(layer.weightOffset, layer.weightOffset + layer.inDim * layer.outDim),
    bias: params.subarray(layer.biasOffset, layer.biasOffset + layer.outDim),
    inDim: layer.inDim,
    outDim: layer.outDim,
  });
  // The rows network `net` reads, and its slice of the stacked output gradient without the padding columns.
  const inputOf = (net: number) =>
    input === "stacked" ? x.subarray(net * batch * inDim, (net + 1) * batch * inDim) : x;
  const gradientOf = (net: number, layer: DenseInfo) => {
    const d = new Float32Array(batch * layer.outDim);
    for (let b = 0; b < batch; b++) {
      const start = (net * batch + b) * outDim;
      d.set(dz.subarray(start, start + layer.outDim), b * layer.outDim);
    }
    return d;
  };
  layers.forEach((layer, net) => {
    const rows = inputOf(net);
    const expected = activate(referenceDense(rows, view(layer)), activation);
    const got = new Float32Array(batch * layer.outDim);
    for (let b = 0; b < batch; b++) {
      const row = forward.subarray((net * batch + b) * width, (net * batch + b + 1) * width);
      got.set(row.subarray(0, layer.outDim), b * layer.outDim);
      // Padding columns and the narrower network's columns hold 0.
      assert.ok(row.subarray(layer.outDim).every((v) => v === 0), `forward padding ${where} net ${net}`);
    }
    assertClose(got, expected, `forward ${where} net ${net}`, tolerance);
    const gradients = denseBackward(rows, gradientOf(net, layer), { layer: view(layer) });
    assertClose(
      weights.subarray(net * outDim * inDim, (net * outDim + layer.outDim) * inDim),
      gradients.gradWeight,
      `weight gradient ${where} net ${net}`,
      tolerance,
    );
    assertClose(
      biases.subarray(net * outDim, net * outDim + layer.outDim),
      gradients.gradBias,
      `bias gradient ${where} net ${net}`,
      tolerance,
    );
  });
  if (!ig) return;
  // Input gradients wrt the pre-activation of the input (taken as the output of a tanh).
  const inputGrad = read("input", inputGradRows * inDim);
  if (input === "shared") {
    const fromPolicy = denseBackward(x, gradientOf(0, a), { layer: view(a) }).gradInput!;
    const fromValue = denseBackward(x, gradientOf(1, c), { layer: view(c) }).gradInput!;
    const expected = fromPolicy.map((g, i) => (g + fromValue[i]!) * (1 - x[i]! * x[i]!));
    assertClose(inputGrad, expected, `input gradient ${where}`, tolerance);
    return;
  }
  layers.forEach((layer, net) => {
    const rows = inputOf(net);
    const expected = denseBackward(rows, gradientOf(net, layer), { layer: view(layer) }).gradInput!.map((
      g,
      i,
    ) => g * (1 - rows[i]! * rows[i]!));
    assertClose(
      inputGrad.subarray(net * batch * inDim, (net + 1) * batch * inDim),
      expected,
      `input gradient ${where} net ${net}`,
      tolerance,
    );
  });
}
