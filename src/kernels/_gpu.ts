/**
 * The only file that touches gpu.js. It loads the library so that webasm threads work under Deno, and wraps the
 * untyped parts of its API in narrow types; every cast to gpu.js's own typings lives here.
 *
 * @module
 */
import type { GPU as GpuJsInstance, IGPUKernelSettings } from "gpu.js";

/** A gpu.js backend ppo-flow can run on. */
export type BackendName = "cpu" | "webasm" | "webgpu";

/** What `this` is inside a kernel body: the cell (`x` column, `y` row) and the kernel's compile-time constants. */
export interface KernelThis<C> {
  readonly thread: { readonly x: number; readonly y: number };
  readonly constants: C;
}

/**
 * A value flowing between kernels inside a plan. Host arguments are flat `Float32Array`s; a kernel with a 2D
 * output produces rows (`Matrix`), read as `m[row][column]` and never flat (quirk 3 in this folder's
 * README.md).
 */
export type Matrix = Float32Array[];

/** A kernel argument: a flat host array, or a kernel result (flat or rows) inside a plan. */
export type KernelValue = Float32Array | Matrix;

/** A compiled kernel, called only inside plan orchestrations (where its result is a handle). */
export type Kernel = (...args: KernelValue[]) => KernelValue;

/** Settings ppo-flow uses for every kernel. */
export interface KernelOptions {
  /** Output cells: `[columns]`, or `[columns, rows]` for per-sample rows (one SIMD quad never crosses a row). */
  readonly size: number | readonly [number, number];
  /** Compile-time numbers: loop bounds, offsets, sizes. */
  readonly constants: Readonly<Record<string, number>>;
}

/** A compiled multi-kernel plan (gpu.js `createPipeline`). */
export interface Plan<R> {
  run(...args: Float32Array[]): Promise<R>;
  /** `"fused-threaded"`, `"fused-sync"`, `"fused-encoder"` or `"generic"`; known after the first run. */
  readonly executorKind: string;
  readonly fallbackReason: string | null;
  /** The backend whose kernels actually ran; known after the first run. */
  readonly backend: string | null;
}

interface GpuJsModule {
  GPU: new (settings: { mode: string }) => GpuJsInstance;
}

interface PipelineShortcut {
  (...args: Float32Array[]): Promise<unknown>;
  readonly executorKind: string;
  readonly fallbackReason: string | null;
  readonly backend: string | null;
}

let loading: Promise<GpuJsModule> | undefined;

/**
 * Loads gpu.js once. Its webasm worker pool decides at load time between the browser `Worker` (a blob URL, which
 * Deno rejects as a classic worker) and Node's `worker_threads` (which Deno supports); hiding the global `Worker`
 * for the duration of the import makes it take the second path. The global is restored right after, so nothing
 * else in the process sees the change.
 */
function loadGpuJs(): Promise<GpuJsModule> {
  loading ??= (async () => {
    const descriptor = Object.getOwnPropertyDescriptor(globalThis, "Worker");
    if (descriptor?.configurable) Reflect.deleteProperty(globalThis, "Worker");
    try {
      const module: unknown = await import("gpu.js");
      const record = module as { GPU?: unknown; default?: { GPU?: unknown } };
      return { GPU: (record.GPU ?? record.default?.GPU) as GpuJsModule["GPU"] };
    } finally {
      if (descriptor?.configurable) Object.defineProperty(globalThis, "Worker", descriptor);
    }
  })();
  return loading;
}

/** One gpu.js instance in a fixed mode; owns every kernel and plan made from it until {@linkcode destroy}. */
export class GpuContext {
  readonly backend: BackendName;
  readonly #gpu: GpuJsInstance;

  private constructor(backend: BackendName, gpu: GpuJsInstance) {
    this.backend = backend;
    this.#gpu = gpu;
  }

  /** Creates a gpu.js instance for `backend` (no probing: see `probeBackend`). */
  static async open(backend: BackendName): Promise<GpuContext> {
    const { GPU } = await loadGpuJs();
    return new GpuContext(backend, new GPU({ mode: backend }));
  }

  /**
   * Compiles a one-dimensional kernel. Loop bounds come from constants, and `loopMaxIterations` is raised to
   * the largest constant so that no loop is silently cut at gpu.js's default of 1000 (quirk 1).
   */
  // deno-lint-ignore no-explicit-any -- kernel bodies take any mix of flat and row arguments; internal only
  kernel<C>(body: (this: KernelThis<C>, ...args: any[]) => number, options: KernelOptions): Kernel {
    return this.#gpu.createKernel(body as never, kernelSettings(options)) as unknown as Kernel;
  }

  /** Compiles a kernel given as JavaScript source (for kernels whose arity depends on the layout). */
  kernelFromSource(source: string, options: KernelOptions): Kernel {
    return this.#gpu.createKernel(source, kernelSettings(options)) as unknown as Kernel;
  }

  /**
   * Compiles a plan. `orchestrate` runs once, at the first call, with handles for the arguments; it must declare
   * exactly `arity` parameters, since gpu.js reads `fn.length` (quirk 8), so it is wrapped here to be sure.
   */
  plan<R>(
    arity: number,
    orchestrate: (...args: Float32Array[]) => Record<string, KernelValue>,
    options: { readonly threads?: boolean } = {},
  ): Plan<R> {
    const wrapped = wrapWithArity(arity, orchestrate);
    const settings = this.backend === "webasm" ? { threads: options.threads ?? true } : {};
    const shortcut = this.#gpu.createPipeline(wrapped as never, settings) as unknown as PipelineShortcut;
    return {
      run: (...args) => shortcut(...args) as Promise<R>,
      get executorKind() {
        return shortcut.executorKind;
      },
      get fallbackReason() {
        return shortcut.fallbackReason;
      },
      get backend() {
        return shortcut.backend;
      },
    };
  }

  /** Releases every kernel, plan, buffer and worker made from this context. */
  destroy(): Promise<void> {
    return this.#gpu.destroy();
  }
}

function kernelSettings(options: KernelOptions): IGPUKernelSettings {
  const largest = Math.max(1000, ...Object.values(options.constants).map((value) => Math.abs(value) + 1));
  // `loopMaxIterations` is a documented kernel setting missing from gpu.js's typings.
  const settings: IGPUKernelSettings & { loopMaxIterations: number } = {
    output: typeof options.size === "number" ? [options.size] : [...options.size],
    constants: { ...options.constants },
    loopMaxIterations: Math.ceil(largest),
    tactic: "precision",
    precision: "single",
    // Integer-valued constants become i32, so index arithmetic stays in integers instead of float-then-convert
    // per read (measured about 2x on webasm's dense kernels).
    strictIntegers: true,
  };
  return settings;
}

function wrapWithArity(
  arity: number,
  orchestrate: (...args: Float32Array[]) => Record<string, KernelValue>,
): (...args: Float32Array[]) => Record<string, KernelValue> {
  const names = Array.from({ length: arity }, (_, i) => `a${i}`);
  // A Function with exactly `arity` named parameters: gpu.js sizes its handle list from `fn.length`.
  const factory = new Function(
    "orchestrate",
    `return function plan(${names.join(", ")}) { return orchestrate(${names.join(", ")}); };`,
  ) as (inner: typeof orchestrate) => typeof orchestrate;
  return factory(orchestrate);
}

/**
 * Copies a plan result into a flat host array: flat results directly, 2D results row by row (their rows may or
 * may not share one buffer, depending on the backend).
 */
export function readInto(value: KernelValue, dest: Float32Array): void {
  if (value instanceof Float32Array) {
    dest.set(value.subarray(0, dest.length));
    return;
  }
  let at = 0;
  for (const row of value) {
    const take = Math.min(row.length, dest.length - at);
    dest.set(row.subarray(0, take), at);
    at += take;
    if (at >= dest.length) return;
  }
}
