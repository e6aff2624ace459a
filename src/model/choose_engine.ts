import { type BackendProbe, probeBackend } from "../kernels/backend.ts";
import { wasmFeatures } from "../wasm/wasm_module.ts";
import { type AutoPick, type EngineName, ENGINES, type Machine } from "./engines.ts";
import type { ParamLayout } from "./types.ts";

/** What {@linkcode chooseEngine} decided, and the facts it decided from. */
export interface ChosenEngine extends AutoPick {
  /** The engine to create. */
  readonly engine: EngineName;
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
 * Picks the engine for a network on this machine by a fixed rule, so the same seed and machine give the same
 * run (no timing race that could flip between runs): the first entry of the table `ENGINES` whose `pick`
 * answers, in the table's order. That is:
 *
 * 1. a hardware WebGPU adapter and at least `GPU_MIN_PARAMS` parameters: `"gpujs"` on backend `"webgpu"`;
 * 2. else, where WebAssembly SIMD validates (every current browser and Deno): `"wasm"`;
 * 3. else separate actor and critic networks and at least `THREADED_MIN_CORES` cores: `"threaded"`;
 * 4. else `"reference"`.
 *
 * @param layout The network's layout.
 * @param facts Cores, WebAssembly SIMD and the webgpu probe, probed when absent (the webgpu probe only when an
 *   entry asks for it).
 * @returns The engine, the gpu.js backend for an engine that runs on one, and the reason.
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
export async function chooseEngine(layout: ParamLayout, facts: MachineFacts = {}): Promise<ChosenEngine> {
  let webgpu: Promise<BackendProbe> | undefined;
  const machine: Machine = {
    cores: facts.cores ?? navigator.hardwareConcurrency ?? 1,
    wasmSimd: facts.wasmSimd ?? wasmFeatures().simd,
    webgpu: () => webgpu ??= facts.webgpu ? Promise.resolve(facts.webgpu) : probeBackend("webgpu"),
  };
  for (const engine of Object.keys(ENGINES) as EngineName[]) {
    const pick = await ENGINES[engine].pick(layout, machine);
    if (pick !== null) return { engine, ...pick };
  }
  throw new RangeError(
    `Cannot choose an engine as none of ${
      Object.keys(ENGINES).join(", ")
    } applies to this network and machine: current value is ${layout.size} parameters`,
  );
}
