/**
 * The one table of engines: every name `--engine` accepts, what it is for, when `auto` picks it, and how it is
 * created. The config type, the CLI help, `createPolicy`, evaluation, `chooseEngine` and the README's list
 * derive from it; adding an engine is its own file plus its name and entry here. Factories import their engine
 * lazily, so reading the table loads no engine.
 *
 * "Engine" is a {@linkcode PolicyEngine}; "backend" is kept for gpu.js's modes (`cpu`, `webasm`, `webgpu`),
 * which only the `gpujs` engine runs on.
 *
 * @module
 */
import { type BackendName, type BackendProbe, BACKENDS } from "../kernels/backend.ts";
import type { ParamLayout, PolicyEngine } from "./types.ts";

/** What an entry's factory takes besides the layout and the parameters. */
export interface EngineOptions {
  /** The gpu.js backend, for an engine that runs on one; `"auto"`: gpu.js's `chooseBackend`. @default {"auto"} */
  readonly backend?: BackendChoice;
}

/** The machine as `auto` sees it when it asks an entry whether to pick it. */
export interface Machine {
  /** Logical cores. */
  readonly cores: number;
  /** Whether WebAssembly SIMD validates here. */
  readonly wasmSimd: boolean;
  /** The webgpu probe, run on the first call only (it takes a while). */
  webgpu(): Promise<BackendProbe>;
}

/** An entry's answer when `auto` picks it. */
export interface AutoPick {
  /** One line naming the facts behind the choice. */
  readonly reason: string;
  /** The gpu.js backend to create it on, for an engine that runs on one. */
  readonly backend?: BackendName;
}

/** One engine of the table. */
export interface EngineEntry {
  /** One line for `--help`: what the engine is. */
  readonly help: string;
  /** One line for `--help` and the README: when `auto` picks it (if no engine before it in the table applies). */
  readonly auto: string;
  /** The gpu.js backends it runs on; an engine without them refuses a `backend` other than `"auto"`. */
  readonly backends?: readonly BackendName[];
  /**
   * `auto`'s rule for this engine: how to create it when `auto` should pick it for `layout` on `machine`, else
   * null. `auto` asks the entries in the table's order and takes the first that answers.
   */
  pick(layout: ParamLayout, machine: Machine): AutoPick | null | Promise<AutoPick | null>;
  /** Creates the engine on `params` (`layout.size` initial values). */
  create(layout: ParamLayout, params: Float32Array, options: EngineOptions): Promise<PolicyEngine>;
  /**
   * Creates it in a browser page, where no Deno module worker can start; absent for an engine that has no
   * browser form (a page runs the reference engine instead, with the same numbers for `threaded`).
   */
  readonly browser?: (layout: ParamLayout, params: Float32Array) => Promise<PolicyEngine>;
}

/** The name of an engine in {@linkcode ENGINES}. */
export type EngineName = "gpujs" | "wasm" | "threaded" | "reference";

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
 * Every engine, by the name `--engine` takes, in the order `auto` tries them. The order comes from measurements
 * on this project's 2-core, GPU-less machines (`deno task bench:train`, `deno task bench`): gpu.js's `webasm`
 * backend runs the 4-64-64 networks' full update 1.4-1.5x slower than the plain-TypeScript engine (one thread or
 * two), `cpu` about 3.3x slower, and WebGPU on a software adapter (llvmpipe) 4-350x slower, so only a hardware
 * GPU is picked; the wasm engine runs the products about 10x faster than the plain-TypeScript engine.
 */
export const ENGINES: { readonly [Name in EngineName]: EngineEntry } = {
  gpujs: {
    help:
      "gpu.js kernels on --backend cpu, webasm or webgpu (webgpu: updates on the GPU, rollouts on the host)",
    auto: `a hardware WebGPU adapter and at least ${GPU_MIN_PARAMS} parameters (backend webgpu)`,
    backends: BACKENDS,
    pick: async (layout, machine) => {
      if (layout.size < GPU_MIN_PARAMS) return null;
      const webgpu = await machine.webgpu();
      if (!webgpu.works || webgpu.software === true) return null;
      const adapter = webgpu.adapter ?? "unnamed";
      return {
        reason: `hardware WebGPU adapter (${adapter}) and ${layout.size} >= ${GPU_MIN_PARAMS} parameters`,
        backend: "webgpu",
      };
    },
    create: async (layout, params, options) => {
      const gpu = await (await import("./gpu_policy.ts")).createGpuPolicy(layout, {
        backend: options.backend ?? "auto",
        params,
      });
      if (gpu.backend !== "webgpu") return gpu;
      const { createReferencePolicy } = await import("./reference_policy.ts");
      // WebGPU's every call pays a readback of about 10 ms in Deno: rollout inference stays on the host.
      return (await import("./split_policy.ts")).createSplitPolicy(
        gpu,
        createReferencePolicy(layout, { params }),
      );
    },
    // A page has no gpu.js cpu or webasm worth running: WebGPU only.
    browser: async (layout, params) => await ENGINES.gpujs.create(layout, params, { backend: "webgpu" }),
  },
  wasm: {
    help: "WebAssembly SIMD kernels generated per network shape (the CPU default)",
    auto: "where WebAssembly SIMD validates (Deno and current browsers)",
    pick: (_layout, machine) =>
      machine.wasmSimd ? { reason: "WebAssembly SIMD, no hardware GPU in use" } : null,
    create: async (layout, params) => (await import("./wasm_policy.ts")).createWasmPolicy(layout, { params }),
    // The page's training already runs in a Web Worker: the engine stays on it.
    browser: async (layout, params) =>
      (await import("./wasm_policy.ts")).createWasmPolicy(layout, { params, threads: "off" }),
  },
  threaded: {
    help: "the reference engine with the actor's and the critic's passes on two threads (same numbers)",
    auto: `separate actor and critic networks on ${THREADED_MIN_CORES}+ cores`,
    pick: (layout, machine) =>
      !layout.config.shared && machine.cores >= THREADED_MIN_CORES
        ? { reason: `separate actor and critic, ${machine.cores} cores, no hardware GPU in use` }
        : null,
    create: async (layout, params) =>
      await (await import("./threaded_policy.ts")).createThreadedPolicy(layout, { params }),
  },
  reference: {
    help: "plain TypeScript, float64 arithmetic: the oracle every other engine is tested against",
    auto: "when no engine above applies",
    pick: (layout, machine) => ({
      reason: layout.config.shared
        ? "shared trunk, no hardware GPU in use"
        : `${machine.cores} cores (fewer than ${THREADED_MIN_CORES}: none to spare for a second thread), no hardware GPU in use`,
    }),
    create: async (layout, params) =>
      (await import("./reference_policy.ts")).createReferencePolicy(layout, { params }),
    browser: async (layout, params) =>
      (await import("./reference_policy.ts")).createReferencePolicy(layout, { params }),
  },
};

/** The engines a browser page can run (those with a browser form), in the table's order. */
export const BROWSER_ENGINES: readonly EngineName[] = (Object.keys(ENGINES) as EngineName[]).filter((name) =>
  ENGINES[name].browser !== undefined
);

/** What `--engine` accepts: an engine, or `"auto"` for the one `chooseEngine` picks. */
export type EngineChoice = "auto" | EngineName;

/** `"auto"` and every engine name, in the table's order. */
export const ENGINE_CHOICES: readonly EngineChoice[] = ["auto", ...Object.keys(ENGINES) as EngineName[]];

/** What `--backend` accepts: a gpu.js backend for the `gpujs` engine, or `"auto"`. */
export type BackendChoice = "auto" | BackendName;

/** `"auto"` and every gpu.js backend. */
export const BACKEND_CHOICES: readonly BackendChoice[] = ["auto", ...BACKENDS];

/**
 * The engine an engine and backend choice run on: a gpu.js backend with `engine` `"auto"` picks the engine that
 * runs on that backend; any other choice stays.
 *
 * @param engine The engine choice.
 * @param backend The gpu.js backend choice.
 * @param action What the caller does, for the error message (`"configure PPO"`, `"create a policy"`).
 * @returns The engine choice to create.
 * @throws {RangeError} For a name the table does not hold, or a backend the engine does not run on.
 *
 * @example
 * ```ts
 * import { engineFor } from "./engines.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(engineFor("auto", "webasm", "configure PPO"), "gpujs");
 * assert.equal(engineFor("wasm", "auto", "configure PPO"), "wasm");
 * assert.throws(() => engineFor("wasm", "cpu", "configure PPO"), RangeError);
 * ```
 */
export function engineFor(engine: EngineChoice, backend: BackendChoice, action: string): EngineChoice {
  if (!ENGINE_CHOICES.includes(engine)) {
    throw new RangeError(
      `Cannot ${action} as engine must be one of ${ENGINE_CHOICES.join(", ")}: current value is ${
        JSON.stringify(engine)
      }`,
    );
  }
  if (!BACKEND_CHOICES.includes(backend)) {
    throw new RangeError(
      `Cannot ${action} as backend must be one of ${BACKEND_CHOICES.join(", ")}: current value is ${
        JSON.stringify(backend)
      }`,
    );
  }
  if (backend === "auto") return engine;
  const runsOn = (Object.keys(ENGINES) as EngineName[]).filter((name) =>
    ENGINES[name].backends?.includes(backend)
  );
  if (engine === "auto" && runsOn[0] !== undefined) return runsOn[0];
  if (engine !== "auto" && runsOn.includes(engine)) return engine;
  const shown = JSON.stringify(engine);
  throw new RangeError(
    `Cannot ${action} as backend must be "auto" when engine is ${shown} (a gpu.js backend is for engine ` +
      `${runsOn.join(" or ")}): current value is ${JSON.stringify(backend)}`,
  );
}
