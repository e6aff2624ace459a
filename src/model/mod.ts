/**
 * The actor-critic model: the flat parameter layout, orthogonal initialisation, and the engines that run the
 * networks behind one `PolicyEngine` contract (the WebAssembly SIMD engine, the plain-TypeScript reference, its
 * two-thread variant and the gpu.js engine), with `createPolicy` and the fixed rule by which `chooseEngine` picks one for a machine.
 *
 * @example A 64-64 tanh policy for CartPole on the reference engine picks one action per observation
 * ```ts
 * import { Rng } from "@ppo-flow/ppo-flow/core";
 * import { createPolicy, initParams, paramLayout } from "@ppo-flow/ppo-flow/model";
 * import assert from "node:assert/strict";
 *
 * const layout = paramLayout({
 *   obsDim: 4, head: { kind: "categorical", n: 2 }, hidden: [64, 64], activation: "tanh", shared: false,
 * });
 * const engine = await createPolicy(layout, { engine: "reference", params: initParams(layout, new Rng(1)) });
 * const out = { actions: new Float32Array(1), logProbs: new Float32Array(1), values: new Float32Array(1) };
 * await engine.act({ obs: new Float32Array(4), batch: 1, noise: Float32Array.of(0.5) }, out);
 * assert.ok(out.actions[0] === 0 || out.actions[0] === 1);
 * await engine.dispose();
 * ```
 *
 * @module
 */
export { chooseEngine, type ChosenEngine, type MachineFacts } from "./choose_engine.ts";
export { createPolicy, type CreatePolicyOptions } from "./create_policy.ts";
export {
  type AutoPick,
  BACKEND_CHOICES,
  type BackendChoice,
  ENGINE_CHOICES,
  type EngineChoice,
  type EngineEntry,
  engineFor,
  type EngineName,
  type EngineOptions,
  ENGINES,
  GPU_MIN_PARAMS,
  type Machine,
  THREADED_MIN_CORES,
} from "./engines.ts";
export { createGpuPolicy, type GpuPolicy, type GpuPolicyOptions } from "./gpu_policy.ts";
export { type Initializer, INITIALIZERS, initParams, type InitParamsOptions } from "./init_params.ts";
export { paramLayout } from "./param_layout.ts";
export {
  type ActorCriticForward,
  type LossAndGradientOptions,
  type ParamArray,
  ReferenceActorCritic,
  type ReferenceMinibatch,
} from "./reference_actor_critic.ts";
export {
  createReferencePolicy,
  type ReferencePolicy,
  type ReferencePolicyOptions,
} from "./reference_policy.ts";
export { createThreadedPolicy, type ThreadedPolicyOptions } from "./threaded_policy.ts";
export { createWasmPolicy, type WasmPolicyOptions } from "./wasm_policy.ts";
export type { Threads } from "../kernels/policy_plans.ts";
export type * from "./types.ts";
