import { type BackendProbe, probeBackend } from "../kernels/backend.ts";
import { wasmFeatures } from "../wasm/wasm_module.ts";
import type { EngineName } from "./engines.ts";
import type { ParamLayout } from "./types.ts";

/** What {@linkcode chooseEngine} decided, and the facts it decided from. */
export interface EngineChoice {
  /** The engine to create. */
  readonly engine: EngineName;
  /** One line naming the facts behind the choice. */
  readonly reason: string;
}

/** Facts about the machine; {@linkcode chooseEngine} probes them when they are not given. */
export interface MachineFacts {
  /** Logical cores. @default {navigator.hardwareConcurrency} */
  readonly cores?: number;
  /** The webgpu probe. @default {await probeBackend("webgpu")} */
  readonly webgpu?: BackendProbe;
  /** Whether WebAssembly SIMD validates here. @default {wasmFeatures().simd} */
  readonly wasmSimd?: boolean;
}

/**
 * Networks from this many parameters go to a hardware GPU. Each WebGPU update step pays at least one readback
 * (about 10 ms in Deno: src/kernels/README.md); the plain-TypeScript engine does 3-5 GFLOP/s per core, so a
 * 64-row minibatch (6 FLOPs per parameter and row) takes 10 ms at about 100k parameters.
 */
export const GPU_MIN_PARAMS = 100_000;

/**
 * Cores from which the threaded engine is chosen. On this project's 2-core machines, shared with other
 * processes, it measured 0.87-0.94x the single-thread engine (bench:train, load average 5): the caller and
 * the worker need both cores, and every preempted hand-over stalls a train step. With a core to spare the
 * two passes run side by side (each about half of a train step).
 */
export const THREADED_MIN_CORES = 4;

/**
 * Picks the engine for a network on this machine by a fixed rule, so the same seed and machine give the same
 * run (no timing race that could flip between runs):
 *
 * 1. a hardware WebGPU adapter and at least {@linkcode GPU_MIN_PARAMS} parameters: `"webgpu"`;
 * 2. else, where WebAssembly SIMD validates (every current browser and Deno): `"wasm"`, whose generated kernels
 *    run the products about 10x faster than the plain-TypeScript engine (`deno task bench`);
 * 3. else separate actor and critic networks and at least {@linkcode THREADED_MIN_CORES} cores: `"threaded"`
 *    (the actor's and the critic's passes on two threads where that measures faster, else on one: the same
 *    numbers as the reference either way, so timing can decide without changing the run);
 * 4. else `"reference"`.
 *
 * The rule comes from measurements on this project's 2-core, GPU-less machines (`deno task bench:train`,
 * `deno task bench`): gpu.js's `webasm` backend runs the 4-64-64 networks' full update 1.4-1.5x slower than the
 * plain-TypeScript engine (one thread or two), `cpu` about 3.3x slower, and WebGPU on a software adapter
 * (llvmpipe) 4-350x slower, so a software adapter is never chosen.
 *
 * @param layout The network's layout.
 * @param facts Cores and the webgpu probe, probed when absent.
 * @returns The engine and the reason.
 *
 * @example
 * ```ts
 * import { chooseEngine } from "./choose_engine.ts";
 * import { paramLayout } from "./param_layout.ts";
 * import assert from "node:assert/strict";
 *
 * const layout = paramLayout({
 *   obsDim: 4, head: { kind: "categorical", n: 2 }, hidden: [64, 64], activation: "tanh", shared: false,
 * });
 * const noGpu = { backend: "webgpu" as const, works: false };
 * assert.equal((await chooseEngine(layout, { cores: 2, webgpu: noGpu })).engine, "wasm");
 * assert.equal((await chooseEngine(layout, { cores: 8, webgpu: noGpu, wasmSimd: false })).engine, "threaded");
 * assert.equal((await chooseEngine(layout, { cores: 2, webgpu: noGpu, wasmSimd: false })).engine, "reference");
 * ```
 */
export async function chooseEngine(layout: ParamLayout, facts: MachineFacts = {}): Promise<EngineChoice> {
  const cores = facts.cores ?? navigator.hardwareConcurrency ?? 1;
  const params = layout.size;
  if (params >= GPU_MIN_PARAMS) {
    const webgpu = facts.webgpu ?? await probeBackend("webgpu");
    if (webgpu.works && webgpu.software !== true) {
      return {
        engine: "webgpu",
        reason: `hardware WebGPU adapter (${
          webgpu.adapter ?? "unnamed"
        }) and ${params} >= ${GPU_MIN_PARAMS} parameters`,
      };
    }
  }
  if (facts.wasmSimd ?? wasmFeatures().simd) {
    return { engine: "wasm", reason: "WebAssembly SIMD, no hardware GPU in use" };
  }
  if (!layout.config.shared && cores >= THREADED_MIN_CORES) {
    return {
      engine: "threaded",
      reason: `separate actor and critic, ${cores} cores, no hardware GPU in use`,
    };
  }
  return {
    engine: "reference",
    reason: layout.config.shared
      ? "shared trunk, no hardware GPU in use"
      : `${cores} cores (fewer than ${THREADED_MIN_CORES}: none to spare for a second thread), no hardware GPU in use`,
  };
}
