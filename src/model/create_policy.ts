import { chooseEngine } from "./choose_engine.ts";
import { type BackendChoice, type EngineChoice, engineFor, ENGINES } from "./engines.ts";
import type { ParamLayout, PolicyEngine } from "./types.ts";

/** Options of {@linkcode createPolicy}. */
export interface CreatePolicyOptions {
  /**
   * An engine of the table `ENGINES` (`ENGINE_CHOICES` lists them), or `"auto"`: the engine `chooseEngine` picks
   * for this network on this machine, by a fixed rule.
   * @default {"auto"}
   */
  readonly engine?: EngineChoice;
  /**
   * The gpu.js backend (`"cpu"`, `"webasm"`, `"webgpu"`) of the `gpujs` engine; with `engine` `"auto"` it
   * selects `gpujs`, and other engines refuse anything but `"auto"`.
   * @default {"auto"}
   */
  readonly backend?: BackendChoice;
  /** Initial flat parameters (`layout.size` values). */
  readonly params: Float32Array;
}

/**
 * Creates the engine that runs an actor-critic's networks. The engine's `engine` names what runs (`"threaded"`
 * falls back to `"reference"` for a shared trunk), and for `gpujs` its `backend` the gpu.js backend (on
 * `"webgpu"` it trains on the GPU and acts on the host reference engine); runs record both.
 *
 * @param layout The network's parameter layout.
 * @param options Engine, gpu.js backend and initial parameters.
 * @returns A {@linkcode PolicyEngine}; dispose it when done.
 * @throws {RangeError} For an unknown engine or backend, or a backend the engine does not run on.
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
 * const engine = await createPolicy(layout, { engine: "reference", params: new Float32Array(layout.size) });
 * assert.equal(engine.engine, "reference");
 * await engine.dispose();
 * ```
 */
export async function createPolicy(layout: ParamLayout, options: CreatePolicyOptions): Promise<PolicyEngine> {
  const backend = options.backend ?? "auto";
  const requested = engineFor(options.engine ?? "auto", backend, "create a policy");
  const { engine, backend: picked } = requested === "auto"
    ? await chooseEngine(layout)
    : { engine: requested, backend: undefined };
  return await ENGINES[engine].create(layout, options.params, { backend: picked ?? backend });
}
