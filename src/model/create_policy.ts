import { chooseEngine } from "./choose_engine.ts";
import { type BackendChoice, ENGINES } from "./engines.ts";
import type { ParamLayout, PolicyEngine } from "./types.ts";

/** Options of {@linkcode createPolicy}. */
export interface CreatePolicyOptions {
  /**
   * An engine of the table `ENGINES` (`"wasm"`, `"reference"`, `"threaded"`, `"cpu"`, `"webasm"`, `"webgpu"`),
   * or `"auto"`: the engine `chooseEngine` picks for this network on this machine, by a fixed rule.
   * @default {"auto"}
   */
  readonly backend?: BackendChoice;
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
  const entry = ENGINES[backend];
  if (entry === undefined) {
    throw new RangeError(
      `Cannot create a policy as backend must be auto or one of ${
        Object.keys(ENGINES).join(", ")
      }: current value is ${JSON.stringify(backend)}`,
    );
  }
  return await entry.create(layout, options.params);
}
