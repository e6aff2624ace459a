/**
 * The products section of `deno task bench`: GFLOP/s of each dense-layer product (forward, weight gradient,
 * input gradient) of the WebAssembly SIMD engine's generated kernels against the plain-TypeScript reference
 * (`denseForward`, `denseBackward`), shape by shape, and the share of this core's measured 128-bit SIMD peak.
 *
 * @module
 */
import { denseBackward } from "../src/core/dense_backward.ts";
import { denseForward } from "../src/core/dense_forward.ts";
import { Rng } from "../src/core/rng.ts";
import { columnSumKernel, gemmKernel, gemmTnKernel } from "../src/wasm/dense_kernels.ts";
import { encodeModule, FunctionBody, wasmFeatures } from "../src/wasm/wasm_module.ts";

/** Options of {@linkcode benchProducts}. */
export interface BenchProductsOptions {
  /** Receives each output line. @default {console.log} */
  log?: (line: string) => void;
  /** Minimum measured time per figure, in seconds. @default {0.5} */
  seconds?: number;
  /** `[batch, inDim, outDim]` shapes. @default {CartPole's and the seed article's layers at batch 128} */
  shapes?: readonly (readonly [number, number, number])[];
}

const DEFAULT_SHAPES = [
  [128, 4, 64],
  [128, 64, 64],
  [128, 64, 2],
  [4, 64, 64],
  [512, 64, 64],
  [128, 8, 1024],
  [128, 1024, 1024],
] as const;

const PEAK_CHAINS = 12;
const PEAK_ITERATIONS = 100_000;

/**
 * Prints the peak and one row per shape and product.
 *
 * @example
 * ```ts
 * import { benchProducts } from "./bench_products.ts";
 *
 * await benchProducts({ seconds: 0.001, shapes: [[4, 8, 8]], log: () => {} });
 * ```
 */
export async function benchProducts(options: BenchProductsOptions = {}): Promise<void> {
  const log = options.log ?? console.log;
  const seconds = options.seconds ?? 0.5;
  const relaxed = wasmFeatures().relaxedSimd;
  const peak = await measurePeak(relaxed, seconds);
  log(
    `products: wasm kernels (${
      relaxed ? "relaxed madd" : "mul+add"
    }) vs the reference, >= ${seconds} s per figure; ` +
      `128-bit SIMD peak of this core ${peak.toFixed(1)} GFLOP/s; load average ${
        Deno.loadavg().map((x) => x.toFixed(2)).join(" ")
      }`,
  );
  const rows: string[][] = [[
    "batch,in,out",
    "product",
    "wasm GFLOP/s",
    "of peak",
    "reference GFLOP/s",
    "speed-up",
  ]];
  for (const [batch, inDim, outDim] of options.shapes ?? DEFAULT_SHAPES) {
    const wasm = await wasmProducts(batch, inDim, outDim, relaxed);
    const reference = referenceProducts(batch, inDim, outDim);
    const flops = 2 * batch * inDim * outDim;
    let referenceWeightGradMs = 0;
    for (const product of ["forward", "weightGrad", "inputGrad"] as const) {
      // Products alternate call by call, so load on the machine hits both alike.
      const [wasmMs, measuredMs] = timePair(wasm[product], reference[product], seconds);
      if (product === "weightGrad") referenceWeightGradMs = measuredMs;
      const referenceMs = product === "inputGrad"
        ? Math.max(measuredMs - referenceWeightGradMs, 1e-6)
        : measuredMs;
      const wasmRate = flops / wasmMs / 1e6;
      const referenceRate = flops / referenceMs / 1e6;
      rows.push([
        `${batch},${inDim},${outDim}`,
        product,
        wasmRate.toFixed(2),
        `${(100 * wasmRate / peak).toFixed(0)}%`,
        referenceRate.toFixed(2),
        `${(referenceMs / wasmMs).toFixed(1)}x`,
      ]);
    }
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  for (const row of rows) log("  " + row.map((cell, c) => cell.padStart(widths[c]!)).join("  "));
  log(
    "  weightGrad includes the bias gradient; the reference's inputGrad is denseBackward with the input gradient " +
      "minus without it",
  );
}

/** Medians (ms per call) of `a` and `b` run alternately. */
function timePair(a: () => void, b: () => void, seconds: number): [number, number] {
  const calibrate = (fn: () => void) => {
    // V8 runs WebAssembly on its baseline compiler first and tiers hot functions up in the background: run
    // long enough for the optimised code to arrive before sizing the rounds.
    const warm = performance.now() + Math.max(200, seconds * 400);
    while (performance.now() < warm) fn();
    const start = performance.now();
    fn();
    return Math.max(performance.now() - start, 1e-4);
  };
  const rounds = 11;
  const reps = [a, b].map((fn) => Math.max(1, Math.round((seconds * 500) / rounds / calibrate(fn))));
  const samples: number[][] = [[], []];
  for (let round = 0; round < rounds; round++) {
    [a, b].forEach((fn, i) => {
      const start = performance.now();
      for (let r = 0; r < reps[i]!; r++) fn();
      samples[i]!.push((performance.now() - start) / reps[i]!);
    });
  }
  const median = (xs: number[]) => xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  return [median(samples[0]!), median(samples[1]!)];
}

/** The core's 128-bit peak: independent multiply-add chains that never touch memory. */
async function measurePeak(relaxed: boolean, seconds: number): Promise<number> {
  const body = new FunctionBody(["i32"]);
  const chains = Array.from({ length: PEAK_CHAINS }, () => body.local("v128"));
  const a = body.local("v128");
  const b = body.local("v128");
  body.splatConst(1.0000001).set(a).splatConst(0.9999999).set(b);
  body.block().loop();
  for (const chain of chains) {
    if (relaxed) body.get(a).get(b).get(chain).relaxedMadd().set(chain);
    else body.get(a).get(b).vMul().get(chain).vAdd().set(chain);
  }
  body.get(0).i32(1).sub().tee(0).eqz().brIf(1).br(0);
  body.end().end();
  // Stored, so the compiler cannot drop the chains as unused.
  for (const [i, chain] of chains.entries()) body.i32(0).get(chain).store(i * 16);
  const memory = new WebAssembly.Memory({ initial: 1 });
  const { instance } = await WebAssembly.instantiate(
    encodeModule([{ name: "peak", body }], { minPages: 1 }),
    {
      env: { memory },
    },
  );
  const peak = instance.exports.peak as (n: number) => void;
  const warm = performance.now() + 300;
  while (performance.now() < warm) peak(PEAK_ITERATIONS);
  let best = Infinity;
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    const start = performance.now();
    peak(PEAK_ITERATIONS);
    best = Math.min(best, performance.now() - start);
  }
  return (PEAK_ITERATIONS * PEAK_CHAINS * 8) / best / 1e6;
}

function pad4(n: number): number {
  return Math.ceil(n / 4) * 4;
}

/** The three products of one layer as wasm calls on filled memory. */
async function wasmProducts(batch: number, inDim: number, outDim: number, relaxed: boolean) {
  const kp = pad4(inDim) >= 512 && pad4(inDim) % 512 === 0 ? pad4(inDim) + 16 : pad4(inDim);
  const np = pad4(outDim) >= 512 && pad4(outDim) % 512 === 0 ? pad4(outDim) + 16 : pad4(outDim);
  const functions = [
    {
      name: "forward",
      body: gemmKernel({
        inner: inDim,
        aStride: kp,
        mStride: np,
        outColumns: pad4(outDim),
        cStride: np,
        epilogue: { kind: "forward", activation: "tanh" },
        relaxed,
      }),
    },
    {
      name: "inputGrad",
      body: gemmKernel({
        inner: outDim,
        aStride: np,
        mStride: kp,
        outColumns: pad4(inDim),
        cStride: kp,
        epilogue: { kind: "backward", accumulate: false, derivative: "tanh" },
        relaxed,
      }),
    },
    {
      name: "weightGrad",
      body: gemmTnKernel({
        outRows: outDim,
        aStride: np,
        columns: pad4(inDim),
        bStride: kp,
        gStride: kp,
        relaxed,
      }),
    },
    { name: "biasGrad", body: columnSumKernel({ columns: pad4(outDim), stride: np }) },
  ] as const;
  const floats = [
    batch * kp,
    inDim * np,
    np,
    batch * np,
    outDim * kp,
    batch * np,
    batch * kp,
    batch * kp,
    outDim * kp,
  ];
  const bytes = floats.reduce((sum, n) => sum + Math.ceil((n * 4) / 64) * 64 + 64, 64);
  const memory = new WebAssembly.Memory({ initial: Math.ceil(bytes / 65536) + 1 });
  const { instance } = await WebAssembly.instantiate(encodeModule([...functions], { minPages: 1 }), {
    env: { memory },
  });
  // Every buffer is filled: untouched pages read as the zero page and would sit in cache.
  const rng = new Rng(batch + inDim + outDim);
  new Float32Array(memory.buffer).forEach((_, i, all) => all[i] = rng.uniform(-0.5, 0.5));
  let next = 64;
  const [x, wt, b, y, w, dy, h, dx, dw] = floats.map((n) => {
    const address = next;
    next += Math.ceil((n * 4) / 64) * 64 + 64;
    return address;
  }) as [number, number, number, number, number, number, number, number, number];
  const e = instance.exports as Record<string, (...args: number[]) => void>;
  return {
    forward: () => e.forward!(x, wt, b, y, batch),
    weightGrad: () => {
      e.weightGrad!(dy, x, dw, batch);
      e.biasGrad!(dy, b, batch);
    },
    inputGrad: () => e.inputGrad!(dy, w, h, dx, batch),
  };
}

/** The reference's products, called as its engine calls them (float64 activations). */
function referenceProducts(batch: number, inDim: number, outDim: number) {
  const rng = new Rng(inDim * outDim);
  const layer = {
    weight: Float32Array.from({ length: inDim * outDim }, () => rng.uniform(-0.5, 0.5)),
    bias: Float32Array.from({ length: outDim }, () => rng.uniform(-0.5, 0.5)),
    inDim,
    outDim,
  };
  const x = Float64Array.from({ length: batch * inDim }, () => rng.uniform(-1, 1));
  const g = Float64Array.from({ length: batch * outDim }, () => rng.uniform(-1, 1));
  const out = new Float64Array(batch * outDim);
  const gradWeight = new Float64Array(inDim * outDim);
  const gradBias = new Float64Array(outDim);
  const gradInput = new Float64Array(batch * inDim);
  const withoutInput = () => denseBackward(x, g, { layer, gradWeight, gradBias, computeGradInput: false });
  const withInput = () => denseBackward(x, g, { layer, gradWeight, gradBias, gradInput });
  return {
    forward: () => void denseForward(x, layer, { out }),
    weightGrad: withoutInput,
    // The whole backward with the input gradient: the caller subtracts the weightGrad time.
    inputGrad: withInput,
  };
}
