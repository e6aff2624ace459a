import { createGpuPolicy } from "./gpu_policy.ts";
import { createReferencePolicy } from "./reference_policy.ts";
import type { ParamLayout, PolicyEngine } from "./types.ts";

/** Options of {@linkcode createPolicy}. */
export interface CreatePolicyOptions {
  /**
   * `"reference"`: the plain TypeScript engine; `"cpu"`, `"webasm"`, `"webgpu"`: gpu.js kernels on that backend;
   * `"auto"`: gpu.js on the fastest backend that works on this machine (measured, see `chooseBackend`).
   * @default {"auto"}
   */
  readonly backend?: "auto" | "reference" | "cpu" | "webasm" | "webgpu";
  /** Initial flat parameters (`layout.size` values). */
  readonly params: Float32Array;
}

/**
 * Creates the engine that runs an actor-critic's networks on the chosen backend.
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
  const backend = options.backend ?? "auto";
  if (backend === "reference") return createReferencePolicy(layout, { params: options.params });
  return await createGpuPolicy(layout, { backend, params: options.params });
}
