import { chooseEngine } from "./choose_engine.ts";
import { createGpuPolicy } from "./gpu_policy.ts";
import { createReferencePolicy } from "./reference_policy.ts";
import { createSplitPolicy } from "./split_policy.ts";
import { createThreadedPolicy } from "./threaded_policy.ts";
import type { ParamLayout, PolicyEngine } from "./types.ts";

/** Options of {@linkcode createPolicy}. */
export interface CreatePolicyOptions {
  /**
   * `"reference"`: the plain TypeScript engine; `"threaded"`: the same engine with the actor's and the critic's
   * passes on two threads (same numbers); `"cpu"`, `"webasm"`, `"webgpu"`: gpu.js kernels on that backend;
   * `"auto"`: the engine `chooseEngine` picks for this network on this machine, by a fixed rule.
   * @default {"auto"}
   */
  readonly backend?: "auto" | "reference" | "threaded" | "cpu" | "webasm" | "webgpu";
  /** Initial flat parameters (`layout.size` values). */
  readonly params: Float32Array;
}

/**
 * Creates the engine that runs an actor-critic's networks on the chosen backend. The engine's `backend` names
 * what runs (`"threaded"` falls back to `"reference"` for a shared trunk; `"webgpu"` trains on the GPU and acts
 * on the host reference engine, `"webgpu+reference"`), and runs record it.
 *
 * @param layout The network's parameter layout.
 * @param options Backend and initial parameters.
 * @returns A {@linkcode PolicyEngine}; dispose it when done.
 *
 * @example
 * ```ts
 * import { createPolicy } from "./create_policy.ts";
 * import { paramLayout } from "./param_layout.ts";
 * import assert from "node:assert/strict";
 *
 * const layout = paramLayout({
 *   obsDim: 4, head: { kind: "categorical", n: 2 }, hidden: [8], activation: "tanh", shared: false,
 * });
 * const engine = await createPolicy(layout, { backend: "reference", params: new Float32Array(layout.size) });
 * assert.equal(engine.backend, "reference");
 * await engine.dispose();
 * ```
 */
export async function createPolicy(layout: ParamLayout, options: CreatePolicyOptions): Promise<PolicyEngine> {
  const requested = options.backend ?? "auto";
  const backend = requested === "auto" ? (await chooseEngine(layout)).engine : requested;
  if (backend === "reference") return createReferencePolicy(layout, { params: options.params });
  if (backend === "threaded") return await createThreadedPolicy(layout, { params: options.params });
  const gpu = await createGpuPolicy(layout, { backend, params: options.params });
  // WebGPU's every call pays a readback of about 10 ms in Deno: rollout inference stays on the host.
  if (backend === "webgpu") {
    return createSplitPolicy(gpu, createReferencePolicy(layout, { params: options.params }));
  }
  return gpu;
}
