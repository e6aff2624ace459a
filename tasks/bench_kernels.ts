/**
 * The kernel section of `deno task bench`: the WebAssembly SIMD engine and the gpu.js engine on every backend
 * that works here against the plain-TypeScript reference engine, on CartPole's network (actor 4-64-64-2, critic 4-64-64-1): `act` at small
 * batches (the rollout) and one whole optimizer step (evaluate, loss, backward, clip, Adam) per minibatch.
 *
 * @module
 */
import { type BackendName, BACKENDS, chooseBackend, probeBackend } from "../src/kernels/backend.ts";
import { Rng } from "../src/core/rng.ts";
import { createGpuPolicy } from "../src/model/gpu_policy.ts";
import { initParams } from "../src/model/init_params.ts";
import { paramLayout } from "../src/model/param_layout.ts";
import { createReferencePolicy } from "../src/model/reference_policy.ts";
import { createWasmPolicy } from "../src/model/wasm_policy.ts";
import type { MinibatchData, ParamLayout, PolicyEngine, TrainStepOptions } from "../src/model/types.ts";

/** Options of {@linkcode benchKernels}. */
export interface BenchKernelsOptions {
  /** Receives each output line. @default {console.log} */
  log?: (line: string) => void;
  /** Minimum measured time per figure and engine, in seconds. @default {1} */
  seconds?: number;
  /** Batches for `act`. @default {[4, 8, 64]} */
  actBatches?: readonly number[];
  /** Minibatch sizes for the optimizer step. @default {[128, 512]} */
  trainBatches?: readonly number[];
  /** Backends to measure (those whose probe fails are listed as skipped). @default {every backend} */
  backends?: readonly BackendName[];
}

const OPTIONS: TrainStepOptions = {
  learningRate: 2.5e-4,
  clipCoef: 0.2,
  clipVloss: true,
  entCoef: 0.01,
  vfCoef: 0.5,
  maxGradNorm: 0.5,
  normAdv: true,
};

/** An engine under measurement. */
interface Contender {
  readonly label: string;
  readonly engine: PolicyEngine;
}

/**
 * Prints, per backend, the time of `act` and of one optimizer step, their GFLOP/s (multiply-adds of the dense
 * layers counted as 2 flops; a step counts forward, weight and input gradients) and the ratio to the reference
 * engine measured in the same rounds (below 1: faster than the reference). Engines alternate round by round, so
 * other load on the machine hits them alike; each figure is the median over rounds.
 *
 * @example
 * ```ts
 * import { benchKernels } from "./bench_kernels.ts";
 *
 * await benchKernels({ seconds: 0.01, actBatches: [2], trainBatches: [4], backends: ["cpu"], log: () => {} });
 * ```
 */
export async function benchKernels(options: BenchKernelsOptions = {}): Promise<void> {
  const log = options.log ?? console.log;
  const seconds = options.seconds ?? 1;
  const layout = paramLayout({
    obsDim: 4,
    head: { kind: "categorical", n: 2 },
    hidden: [64, 64],
    activation: "tanh",
    shared: false,
  });
  const params = initParams(layout, new Rng(0));
  const auto = await chooseBackend();
  const contenders: Contender[] = [
    { label: "reference", engine: createReferencePolicy(layout, { params }) },
    { label: "wasm", engine: await createWasmPolicy(layout, { params }) },
  ];
  log(
    `kernels: CartPole actor 4-64-64-2 + critic 4-64-64-1, >= ${seconds} s per figure; gpu.js auto backend: ${auto} (training's --engine auto picks by chooseEngine, see bench:train)`,
  );
  // Threads only pay when cores are free: the load average says how comparable a run is.
  const load = Deno.loadavg().map((x) => x.toFixed(2)).join(" ");
  log(`  load average ${load} on ${navigator.hardwareConcurrency} cores`);
  for (const backend of options.backends ?? [...BACKENDS].reverse()) {
    const probe = await probeBackend(backend);
    if (!probe.works) {
      log(`  ${backend}: skipped (${probe.reason})`);
      continue;
    }
    const adapter = probe.adapter === undefined
      ? ""
      : ` [${probe.software ? "software " : ""}${probe.adapter}]`;
    const engine = await createGpuPolicy(layout, { backend, params });
    contenders.push({ label: `${backend}${backend === auto ? " (auto)" : ""}${adapter}`, engine });
    if (backend === "webasm") {
      // The two choices "auto" measures between, forced, to show what the worker pool adds or costs.
      for (const threads of ["on", "off"] as const) {
        const forced = await createGpuPolicy(layout, { backend, params, threads });
        contenders.push({ label: `webasm threads ${threads}`, engine: forced });
      }
    }
  }
  try {
    const rows: string[][] = [["work", "batch", ...contenders.map((c) => c.label)]];
    for (const batch of options.actBatches ?? [4, 8, 64]) {
      const act = actWork(layout, batch);
      rows.push(await measure(`act`, batch, contenders, act.run, act.flops, seconds));
    }
    for (const batch of options.trainBatches ?? [128, 512]) {
      const train = trainWork(layout, batch);
      rows.push(await measure(`update`, batch, contenders, train.run, train.flops, seconds));
    }
    const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
    for (const row of rows) log("  " + row.map((cell, c) => cell.padStart(widths[c]!)).join("  "));
    log("  cells: time per call, GFLOP/s, ratio to the reference in the same rounds (< 1: faster)");
  } finally {
    for (const { engine } of contenders) await engine.dispose();
  }
}

/** Multiply-adds of one sample through every dense layer, and of the input gradients past the first layers. */
function denseMacs(layout: ParamLayout): { readonly forward: number; readonly inputGrads: number } {
  const layers = [...layout.trunk, ...layout.actor, ...layout.critic];
  const forward = layers.reduce((sum, l) => sum + l.inDim * l.outDim, 0);
  const first = layers.filter((l) => l.inDim === layout.config.obsDim);
  return { forward, inputGrads: forward - first.reduce((sum, l) => sum + l.inDim * l.outDim, 0) };
}

function actWork(layout: ParamLayout, batch: number) {
  const rng = new Rng(batch);
  const input = {
    obs: Float32Array.from({ length: batch * layout.config.obsDim }, () => rng.normal()),
    batch,
    noise: Float32Array.from({ length: batch }, () => rng.random()),
  };
  const out = {
    actions: new Float32Array(batch),
    logProbs: new Float32Array(batch),
    values: new Float32Array(batch),
  };
  return {
    run: (engine: PolicyEngine) => engine.act(input, out),
    flops: 2 * batch * denseMacs(layout).forward,
  };
}

function trainWork(layout: ParamLayout, batch: number) {
  const rng = new Rng(1000 + batch);
  const minibatch: MinibatchData = {
    size: batch,
    obs: Float32Array.from({ length: batch * layout.config.obsDim }, () => rng.normal()),
    actions: Float32Array.from({ length: batch }, () => (rng.random() < 0.5 ? 0 : 1)),
    oldLogProbs: new Float32Array(batch).fill(Math.log(0.5)),
    advantages: Float32Array.from({ length: batch }, () => rng.normal()),
    returns: Float32Array.from({ length: batch }, () => rng.normal()),
    oldValues: new Float32Array(batch),
  };
  const macs = denseMacs(layout);
  return {
    run: (engine: PolicyEngine) => engine.trainStep(minibatch, OPTIONS),
    flops: 2 * batch * (2 * macs.forward + macs.inputGrads),
  };
}

/** Alternates the engines round by round and returns a table row of medians. */
async function measure(
  work: string,
  batch: number,
  contenders: readonly Contender[],
  run: (engine: PolicyEngine) => unknown,
  flops: number,
  seconds: number,
): Promise<string[]> {
  // Warm up (compiles the plans), then size the rounds from one timed call each.
  const single: number[] = [];
  for (const { engine } of contenders) {
    await run(engine);
    const start = performance.now();
    await run(engine);
    single.push(Math.max(performance.now() - start, 1e-3));
  }
  const rounds = 15;
  const perRound = single.map((ms) => Math.max(1, Math.round(seconds * 1000 / rounds / ms)));
  const samples: number[][] = contenders.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (let c = 0; c < contenders.length; c++) {
      const start = performance.now();
      for (let i = 0; i < perRound[c]!; i++) await run(contenders[c]!.engine);
      samples[c]!.push((performance.now() - start) / perRound[c]!);
    }
  }
  const medians = samples.map((times) => times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!);
  const reference = medians[0]!;
  return [
    work,
    String(batch),
    ...medians.map((ms, c) => {
      const ratio = c === 0 ? "1.00" : (ms / reference).toFixed(2);
      return `${formatMs(ms)} ${(flops / ms / 1e6).toFixed(2)} ${ratio}x`;
    }),
  ];
}

function formatMs(ms: number): string {
  return ms < 1 ? `${(ms * 1000).toFixed(0)}us` : `${ms.toFixed(2)}ms`;
}
