/**
 * Which gpu.js backends work in this process, and which one ppo-flow picks by default.
 *
 * @module
 */
import { type BackendName, GpuContext } from "./_gpu.ts";

export type { BackendName } from "./_gpu.ts";

/** What a probe of one backend found. */
export interface BackendProbe {
  /** The probed backend. */
  readonly backend: BackendName;
  /** The probe kernel ran and returned the right numbers. */
  readonly works: boolean;
  /** Why it does not work, when it does not. */
  readonly reason?: string;
  /** webasm: whether plans run on the worker pool (`"fused-threaded"`) or on one thread. */
  readonly executorKind?: string;
  /** webgpu: the adapter's description (vendor, architecture, device), when it has one. */
  readonly adapter?: string;
  /** webgpu: a software rasteriser (llvmpipe, SwiftShader, WARP) or a fallback adapter: far slower than webasm. */
  readonly software?: boolean;
}

/** All backends ppo-flow knows, in the order it prefers them when they are hardware-fast. */
export const BACKENDS: readonly BackendName[] = ["webgpu", "webasm", "cpu"];

const probes = new Map<BackendName, Promise<BackendProbe>>();

/**
 * Probes a backend once per process: compiles a two-kernel plan whose loop runs past gpu.js's default
 * iteration cap, runs it, and checks the numbers. For webgpu it also reads the adapter's description, since
 * a software adapter works but is far slower than webasm (quirk 5 in src/kernels/README.md).
 *
 * @example
 * ```ts
 * import { probeBackend } from "./backend.ts";
 * import assert from "node:assert/strict";
 *
 * const probe = await probeBackend("cpu");
 * assert.equal(probe.works, true);
 * ```
 */
export function probeBackend(backend: BackendName): Promise<BackendProbe> {
  let probe = probes.get(backend);
  if (!probe) {
    probe = runProbe(backend);
    probes.set(backend, probe);
  }
  return probe;
}

/**
 * The default backend: a hardware WebGPU adapter if there is one, else threaded webasm, else cpu. The order
 * comes from measurements on this project's machines (this folder's README.md, `deno task bench`): WebGPU on a
 * software adapter is 5-350x slower than the plain-TypeScript engine, webasm 1.0-1.5x slower (its dense layers
 * run as generated straight-line kernels) and cpu 1.4-3.3x slower. Training's own default (`chooseEngine`) is the
 * plain-TypeScript engine on such machines; this picks among gpu.js backends only.
 */
export async function chooseBackend(): Promise<BackendName> {
  const webgpu = await probeBackend("webgpu");
  if (webgpu.works && !webgpu.software) return "webgpu";
  const webasm = await probeBackend("webasm");
  if (webasm.works && webasm.executorKind === "fused-threaded") return "webasm";
  return "cpu";
}

async function runProbe(backend: BackendName): Promise<BackendProbe> {
  let adapter: string | undefined;
  let software: boolean | undefined;
  if (backend === "webgpu") {
    const info = await webGpuAdapter();
    if (typeof info === "string") return { backend, works: false, reason: info };
    adapter = info.description;
    software = info.software;
  }
  let ctx: GpuContext | undefined;
  try {
    ctx = await GpuContext.open(backend);
    const length = 1500;
    const sum = ctx.kernel(function (this: { readonly constants: { readonly n: number } }, a: Float32Array) {
      let total = 0;
      for (let i = 0; i < this.constants.n; i++) total += a[i]!;
      return total;
    }, { size: 8192, constants: { n: length } });
    const plan = ctx.plan<Record<string, Float32Array>>(1, (a) => ({ out: sum(sum(a!)) }));
    const result = (await plan.run(new Float32Array(8192).fill(1))).out;
    const expected = length * length;
    const works = result?.[8191] === expected;
    const executorKind = plan.executorKind;
    const ran = plan.backend;
    const reason = !works
      ? `the probe plan returned ${result?.[8191]} instead of ${expected}`
      : ran !== backend
      ? `plans fell back to ${ran}: ${plan.fallbackReason}`
      : undefined;
    return {
      backend,
      works: works && ran === backend,
      executorKind,
      ...(reason === undefined ? {} : { reason }),
      ...(adapter === undefined ? {} : { adapter }),
      ...(software === undefined ? {} : { software }),
    };
  } catch (error) {
    return { backend, works: false, reason: error instanceof Error ? error.message : String(error) };
  } finally {
    await ctx?.destroy();
  }
}

async function webGpuAdapter(): Promise<{ description: string; software: boolean } | string> {
  const gpu = (globalThis.navigator as { gpu?: GPU } | undefined)?.gpu;
  if (!gpu) return "navigator.gpu is missing in this runtime";
  const adapter = await gpu.requestAdapter();
  if (!adapter) return "navigator.gpu.requestAdapter() found no adapter";
  const info = adapter.info;
  const description = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(
    " ",
  );
  const fallback = (info as { readonly isFallbackAdapter?: boolean }).isFallbackAdapter === true;
  const software = fallback || /llvmpipe|lavapipe|swiftshader|software|warp/i.test(description);
  return { description, software };
}
