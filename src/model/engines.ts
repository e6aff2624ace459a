/**
 * The one table of engines: every name `--backend` accepts, what it is for, and how it is created. The config
 * type, the CLI help, `createPolicy`, evaluation and the README's list derive from it; adding an engine is its
 * own file plus its name and entry here. Factories import their engine lazily, so reading the table loads no engine.
 *
 * "Engine" is a {@linkcode PolicyEngine}; "backend" is kept for gpu.js's modes (`cpu`, `webasm`, `webgpu`).
 *
 * @module
 */
import type { ParamLayout, PolicyEngine } from "./types.ts";

/** One engine of the table. */
export interface EngineEntry {
  /** One line for `--help`: what the engine is and when it is the right one. */
  readonly help: string;
  /** Creates the engine on `params` (`layout.size` initial values). */
  create(layout: ParamLayout, params: Float32Array): Promise<PolicyEngine>;
}

/** The name of an engine in {@linkcode ENGINES}. */
export type EngineName = "wasm" | "reference" | "threaded" | "cpu" | "webasm" | "webgpu";

/** Every engine, by the name `--backend` takes. */
export const ENGINES: { readonly [Name in EngineName]: EngineEntry } = {
  wasm: {
    help: "WebAssembly SIMD kernels generated per network shape (the CPU default)",
    create: async (layout, params) => (await import("./wasm_policy.ts")).createWasmPolicy(layout, { params }),
  },
  reference: {
    help: "plain TypeScript, float64 arithmetic: the oracle every other engine is tested against",
    create: async (layout, params) =>
      (await import("./reference_policy.ts")).createReferencePolicy(layout, { params }),
  },
  threaded: {
    help: "the reference engine with the actor's and the critic's passes on two threads (same numbers)",
    create: async (layout, params) =>
      await (await import("./threaded_policy.ts")).createThreadedPolicy(layout, { params }),
  },
  cpu: {
    help: "gpu.js kernels transpiled to JavaScript",
    create: async (layout, params) =>
      await (await import("./gpu_policy.ts")).createGpuPolicy(layout, { backend: "cpu", params }),
  },
  webasm: {
    help: "gpu.js kernels on its WebAssembly backend",
    create: async (layout, params) =>
      await (await import("./gpu_policy.ts")).createGpuPolicy(layout, { backend: "webasm", params }),
  },
  webgpu: {
    help: "gpu.js kernels on WebGPU for updates, rollouts on the host (for a hardware GPU)",
    create: async (layout, params) => {
      const gpu = await (await import("./gpu_policy.ts")).createGpuPolicy(layout, {
        backend: "webgpu",
        params,
      });
      const { createReferencePolicy } = await import("./reference_policy.ts");
      // WebGPU's every call pays a readback of about 10 ms in Deno: rollout inference stays on the host.
      return (await import("./split_policy.ts")).createSplitPolicy(
        gpu,
        createReferencePolicy(layout, { params }),
      );
    },
  },
};

/** What `--backend` accepts: an engine, or `"auto"` for the one `chooseEngine` picks. */
export type BackendChoice = "auto" | EngineName;

/** `"auto"` and every engine name, in the table's order. */
export const BACKEND_CHOICES: readonly BackendChoice[] = ["auto", ...Object.keys(ENGINES) as EngineName[]];
