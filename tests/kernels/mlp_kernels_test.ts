import assert from "node:assert/strict";
import { adamStep } from "../../src/core/adam_step.ts";
import { clipGradNorm } from "../../src/core/clip_grad_norm.ts";
import { denseBackward } from "../../src/core/dense_backward.ts";
import { denseForward as referenceDense } from "../../src/core/dense_forward.ts";
import { normalizeAdvantages } from "../../src/core/normalize_advantages.ts";
import { ppoHeadLoss } from "../../src/core/ppo_head_loss.ts";
import { GpuContext, type KernelThis, type Matrix, readInto } from "../../src/kernels/_gpu.ts";
import {
  adamStep as adamStepKernel,
  categoricalHeadGrad,
  denseBiasGrad,
  denseForward,
  denseForwardObs,
  denseInputGrad,
  denseWeightGrad,
  denseWeightGradObs,
  gaussianHeadGrad,
  gaussianLogStdGrad,
  HYPER,
  SAMPLE,
  sumAll,
  sumSquaresPartial,
} from "../../src/kernels/mlp_kernels.ts";
import { assertClose, BACKEND_CASES, randomArray } from "./_backends.ts";

/** Turns a flat host array into a 2D kernel result, so kernels that take rows can be fed test data. */
function toRows(this: KernelThis<{ readonly width: number }>, flat: Float32Array): number {
  return flat[this.thread.y * this.constants.width + this.thread.x]!;
}

/** Runs `build` as a one-off plan over `args` and returns its results read back flat. */
async function runPlan(
  ctx: GpuContext,
  args: Float32Array[],
  build: (...handles: Float32Array[]) => Record<string, Float32Array | Matrix>,
  sizes: Record<string, number>,
): Promise<Record<string, Float32Array>> {
  const plan = ctx.plan<Record<string, Float32Array | Matrix>>(args.length, build);
  const result = await plan.run(...args);
  assert.equal(plan.backend, ctx.backend, `plan ran on ${plan.backend}: ${plan.fallbackReason}`);
  const out: Record<string, Float32Array> = {};
  for (const [name, size] of Object.entries(sizes)) {
    out[name] = new Float32Array(size);
    readInto(result[name]!, out[name]);
  }
  return out;
}

const tanh = (values: Float64Array) => values.map(Math.tanh);

/** Layer shapes [inDim, outDim] of one depth, with two stacked networks (actor rows, then critic rows). */
const DENSE_SHAPES = [
  { inDim: 4, outDim: 64, first: true },
  { inDim: 64, outDim: 64, first: false },
  { inDim: 64, outDim: 1024, first: false },
] as const;

for (const { backend, ignore, note } of BACKEND_CASES) {
  const batches = backend === "webgpu" ? [1, 4, 128] : [1, 4, 128, 512];
  Deno.test({
    name: `dense kernels equal core denseForward + tanh and denseBackward on ${backend}${note}`,
    ignore,
    async fn() {
      const ctx = await GpuContext.open(backend);
      try {
        for (const { inDim, outDim, first } of DENSE_SHAPES) {
          for (const batch of batches) {
            if (outDim === 1024 && batch > 4 && backend === "webgpu") continue;
            if (outDim === 1024 && batch > 128) continue;
            const weights = inDim * outDim;
            // Two networks' weight and bias blocks: [W_A, b_A, W_C, b_C].
            const params = randomArray(2 * (weights + outDim), 1 + batch, -0.3, 0.3);
            const layers = [0, 1].map((net) => {
              const base = net * (weights + outDim);
              return {
                weight: params.subarray(base, base + weights),
                bias: params.subarray(base + weights, base + weights + outDim),
                inDim,
                outDim,
              };
            });
            const input = randomArray((first ? 1 : 2) * batch * inDim, 2 + batch);
            const dz = randomArray(2 * batch * outDim, 3 + batch);
            const constants = {
              batch,
              inDim,
              outA: outDim,
              outC: outDim,
              weightA: 0,
              biasA: weights,
              weightC: weights + outDim,
              biasC: 2 * weights + outDim,
              stackedInput: first ? 0 : 1,
              activation: 1,
            };
            const grad = { batch, inDim, outDim, outA: outDim, outC: outDim, stackedInput: first ? 0 : 1 };
            const fw = ctx.kernel(first ? denseForwardObs : denseForward, {
              size: [outDim, 2 * batch],
              constants,
            });
            const wg = ctx.kernel(first ? denseWeightGradObs : denseWeightGrad, {
              size: [inDim, 2 * outDim],
              constants: grad,
            });
            const bg = ctx.kernel(denseBiasGrad, { size: [outDim, 2], constants: grad });
            const ig = ctx.kernel(denseInputGrad, { size: [inDim, 2 * batch], constants });
            const inRows = ctx.kernel(toRows, { size: [inDim, 2 * batch], constants: { width: inDim } });
            const dzRows = ctx.kernel(toRows, { size: [outDim, 2 * batch], constants: { width: outDim } });
            const results = await runPlan(ctx, [params, input, dz], (p, x, d) => {
              const xIn = first ? x! : inRows(x!);
              const dzIn = dzRows(d!);
              return {
                forward: fw(p!, xIn),
                weights: wg(dzIn, xIn),
                biases: bg(dzIn),
                input: first ? dzIn : ig(p!, dzIn, xIn),
              };
            }, {
              forward: 2 * batch * outDim,
              weights: 2 * weights,
              biases: 2 * outDim,
              input: first ? 0 : 2 * batch * inDim,
            });
            const tolerance = { atol: 2e-5, rtol: inDim > 64 || outDim > 64 ? 5e-4 : 1e-4 };
            for (const net of [0, 1]) {
              const rows = first ? input : input.subarray(net * batch * inDim, (net + 1) * batch * inDim);
              const h = rows;
              const d = dz.subarray(net * batch * outDim, (net + 1) * batch * outDim);
              const where = `${inDim}->${outDim} batch ${batch} net ${net}`;
              assertClose(
                results.forward!.subarray(net * batch * outDim, (net + 1) * batch * outDim),
                tanh(referenceDense(rows, layers[net]!)),
                `forward ${where}`,
                tolerance,
              );
              const expected = denseBackward(rows, d, { layer: layers[net]! });
              assertClose(
                results.weights!.subarray(net * weights, (net + 1) * weights),
                expected.gradWeight,
                `weight gradient ${where}`,
                tolerance,
              );
              assertClose(
                results.biases!.subarray(net * outDim, (net + 1) * outDim),
                expected.gradBias,
                `bias gradient ${where}`,
                tolerance,
              );
              // A first layer's input gradient is never needed (observations take none).
              if (first) continue;
              const inputGrad = expected.gradInput!.map((g, i) => g * (1 - h[i]! * h[i]!));
              assertClose(
                results.input!.subarray(net * batch * inDim, (net + 1) * batch * inDim),
                inputGrad,
                `input gradient ${where}`,
                tolerance,
              );
            }
          }
        }
      } finally {
        await ctx.destroy();
      }
    },
  });

  Deno.test({
    name: `head loss-gradient kernels equal core ppoHeadLoss on ${backend}${note}`,
    ignore,
    async fn() {
      const ctx = await GpuContext.open(backend);
      try {
        for (const batch of backend === "webgpu" ? [4, 128] : [4, 128, 512]) {
          for (const clipVloss of [false, true]) {
            const options = { clipCoef: 0.2, clipVloss, entCoef: 0.01, vfCoef: 0.5, normAdv: true };
            const hyper = new Float32Array(HYPER.size);
            hyper[HYPER.clipCoef] = options.clipCoef;
            hyper[HYPER.entCoef] = options.entCoef;
            hyper[HYPER.vfCoef] = options.vfCoef;
            hyper[HYPER.clipVloss] = clipVloss ? 1 : 0;
            const advantages = randomArray(batch, 11 + batch, -2, 2);
            const normalized = Float32Array.from(normalizeAdvantages(advantages));
            const returns = randomArray(batch, 12 + batch);
            const oldValues = randomArray(batch, 13 + batch);
            const oldLogProbs = randomArray(batch, 14 + batch, -2.5, -0.1);
            const samples = new Float32Array(batch * SAMPLE.width);
            for (let b = 0; b < batch; b++) {
              samples.set([oldLogProbs[b]!, normalized[b]!, returns[b]!, oldValues[b]!], b * SAMPLE.width);
            }
            for (const kind of ["categorical", "gaussian"] as const) {
              const n = kind === "categorical" ? 4 : 3;
              const heads = randomArray(2 * batch * n, 15 + batch, -1.5, 1.5);
              const values = Float32Array.from({ length: batch }, (_, b) => heads[(batch + b) * n]!);
              const actions = kind === "categorical"
                ? Float32Array.from(randomArray(batch, 16 + batch, 0, 4), Math.floor)
                : randomArray(batch * n, 16 + batch, -2, 2);
              const mask = Uint8Array.from({ length: batch * n }, (_, i) => i % 7 === 3 ? 0 : 1);
              for (let b = 0; b < batch; b++) mask[b * n + actions[b]!] = 1;
              const logStd = new Float32Array([-0.5, 0, 0.3]);
              const params = new Float32Array(8);
              params.set(logStd, 2);
              const constants = { batch, n, logStdOffset: 2, trainable: 1 };
              const rows = ctx.kernel(toRows, { size: [n, 2 * batch], constants: { width: n } });
              const results = kind === "categorical"
                ? await runPlan(
                  ctx,
                  [hyper, heads, Float32Array.from(mask), actions, samples],
                  (hy, h, m, a, s) => ({
                    grad: ctx.kernel(categoricalHeadGrad, { size: [n, 2 * batch], constants })(
                      hy!,
                      rows(h!),
                      m!,
                      a!,
                      s!,
                    ),
                  }),
                  { grad: 2 * batch * n },
                )
                : await runPlan(
                  ctx,
                  [hyper, params, heads, actions, samples],
                  (hy, p, h, a, s) => {
                    const headRows = rows(h!);
                    return {
                      grad: ctx.kernel(gaussianHeadGrad, { size: [n, 2 * batch], constants })(
                        hy!,
                        p!,
                        headRows,
                        a!,
                        s!,
                      ),
                      logStd: ctx.kernel(gaussianLogStdGrad, { size: n, constants })(
                        hy!,
                        p!,
                        headRows,
                        a!,
                        s!,
                      ),
                    };
                  },
                  { grad: 2 * batch * n, logStd: n },
                );
              const outputs = kind === "categorical"
                ? { kind, n, logits: heads.subarray(0, batch * n), mask, values }
                : { kind, means: heads.subarray(0, batch * n), logStd, values };
              const expected = ppoHeadLoss(
                outputs,
                { actions, oldLogProbs, advantages, returns, oldValues },
                options,
              );
              const where = `${kind} batch ${batch} clipVloss ${clipVloss}`;
              assertClose(
                results.grad!.subarray(0, batch * n),
                expected.gradPolicy,
                `policy gradient ${where}`,
                {
                  atol: 1e-6,
                  rtol: 1e-3,
                },
              );
              const valueGrads = Float32Array.from(
                { length: batch },
                (_, b) => results.grad![(batch + b) * n]!,
              );
              assertClose(valueGrads, expected.gradValues, `value gradient ${where}`, {
                atol: 1e-7,
                rtol: 1e-4,
              });
              if (kind === "gaussian") {
                assertClose(results.logStd!, expected.gradLogStd!, `log-std gradient ${where}`, {
                  atol: 1e-6,
                  rtol: 1e-3,
                });
              }
            }
          }
        }
      } finally {
        await ctx.destroy();
      }
    },
  });

  Deno.test({
    name: `global-norm clip and Adam kernels equal core clipGradNorm and adamStep on ${backend}${note}`,
    ignore,
    async fn() {
      const ctx = await GpuContext.open(backend);
      try {
        for (const [size, maxGradNorm] of [[1000, 0.5], [9156, Infinity], [9156, 1e3]] as const) {
          const grads = randomArray(size, 21 + size, -0.1, 0.1);
          const m = randomArray(size, 22 + size, -0.01, 0.01);
          const v = randomArray(size, 23 + size, 0, 1e-4);
          const params = randomArray(size, 24 + size);
          // Actor, critic, then a frozen tail (a fixed log-std).
          const groups = Float32Array.from(
            { length: size },
            (_, i) => i < size / 2 ? 0 : i < size - 3 ? 1 : 2,
          );
          const step = 3;
          const hyper = new Float32Array(HYPER.size);
          hyper[HYPER.learningRate] = 2.5e-4;
          hyper[HYPER.criticLearningRate] = 1e-3;
          hyper[HYPER.maxGradNorm] = maxGradNorm;
          hyper[HYPER.adamEps] = 1e-5;
          hyper[HYPER.correction1] = 1 - 0.9 ** step;
          hyper[HYPER.correction2] = 1 - 0.999 ** step;
          hyper[HYPER.criticCorrection1] = 1 - 0.9 ** step;
          hyper[HYPER.criticCorrection2] = 1 - 0.999 ** step;
          const cells = Math.ceil(size / 4) * 4;
          const partials = Math.ceil(size / 256);
          const betas = { beta1: 0.9, beta2: 0.999, oneMinusBeta1: 1 - 0.9, oneMinusBeta2: 1 - 0.999 };
          const results = await runPlan(ctx, [hyper, groups, params, grads, m, v], (hy, gr, p, g, mm, vv) => {
            // The two-stage norm (partials, then their sum), and the one-step norm the engine uses up to 64k.
            const partial = ctx.kernel(sumSquaresPartial, {
              size: partials,
              constants: { length: size, chunk: 256 },
            })(
              g!,
            );
            const squaredNorm = ctx.kernel(sumAll, { size: 1, constants: { length: partials, chunk: 1 } })(
              partial,
            );
            const oneStep = ctx.kernel(sumSquaresPartial, {
              size: 1,
              constants: { length: size, chunk: size },
            })(g!);
            const next = ctx.kernel(adamStepKernel, { size: [cells, 3], constants: betas })(
              hy!,
              squaredNorm,
              g!,
              mm!,
              vv!,
              p!,
              gr!,
            );
            return { squaredNorm, oneStep, next };
          }, { squaredNorm: 1, oneStep: 1, next: 3 * cells });
          const clipped = Float64Array.from(grads);
          const { norm } = clipGradNorm(clipped, maxGradNorm);
          const expected = {
            params: Float32Array.from(params),
            m: Float32Array.from(m),
            v: Float32Array.from(v),
          };
          adamStep(expected, clipped, {
            step,
            learningRate: 0,
            ranges: [
              { offset: 0, size: size / 2, learningRate: 2.5e-4 },
              { offset: Math.ceil(size / 2), size: size - 3 - Math.ceil(size / 2), learningRate: 1e-3 },
            ],
          });
          // Frozen entries keep their value; their moments are not compared (never read back for them).
          const where = `size ${size} maxGradNorm ${maxGradNorm}`;
          assertClose([Math.sqrt(results.squaredNorm![0]!)], [norm], `gradient norm ${where}`, {
            rtol: 1e-5,
          });
          assertClose([Math.sqrt(results.oneStep![0]!)], [norm], `one-step gradient norm ${where}`, {
            rtol: 1e-5,
          });
          assertClose(
            results.next!.subarray(2 * cells, 2 * cells + size),
            expected.params,
            `parameters ${where}`,
            {
              atol: 1e-7,
              rtol: 1e-6,
            },
          );
          assertClose(
            results.next!.subarray(0, size - 3),
            expected.m.subarray(0, size - 3),
            `m ${where}`,
            {
              atol: 3e-9, // float32 m = 0.9 m + 0.1 g loses about 1e-9 to cancellation here
              rtol: 1e-5,
            },
          );
          assertClose(
            results.next!.subarray(cells, cells + size - 3),
            expected.v.subarray(0, size - 3),
            `v ${where}`,
            { atol: 1e-11, rtol: 1e-5 },
          );
        }
      } finally {
        await ctx.destroy();
      }
    },
  });
}
