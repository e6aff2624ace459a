import { Rng } from "../core/rng.ts";
import { checkParams } from "./_check_inputs.ts";
import { ReferencePolicyEngine } from "./_reference_engine.ts";
import { initParams } from "./init_params.ts";
import type {
  ActInput,
  ActOutput,
  EvaluateOutput,
  MinibatchData,
  ParamLayout,
  PolicyEngine,
  TrainStepOptions,
  TrainStepStats,
} from "./types.ts";

/** Options of {@linkcode createReferencePolicy}. */
export interface ReferencePolicyOptions {
  /** Initial parameters (`layout.size` finite values, copied). @default {initParams(layout, rng)} */
  readonly params?: Float32Array;
  /** Generator for the initial parameters when `params` is absent. @default {new Rng(seed)} */
  readonly rng?: Rng;
  /** Seed for the initial parameters when neither `params` nor `rng` is given. @default {0} */
  readonly seed?: number;
}

/** The reference engine: {@linkcode PolicyEngine} with synchronous methods and an optional mask in `evaluate`. */
export interface ReferencePolicy extends PolicyEngine {
  /** As {@linkcode PolicyEngine.act}, synchronously. */
  act(input: ActInput, out: ActOutput): void;
  /** As {@linkcode PolicyEngine.values}, synchronously. */
  values(obs: Float32Array, batch: number, out: Float32Array): void;
  /** As {@linkcode PolicyEngine.evaluate}, plus the `[batch * n]` action mask the actions were sampled under. */
  evaluate(
    obs: Float32Array,
    actions: Float32Array,
    batch: number,
    out: EvaluateOutput,
    mask?: Uint8Array,
  ): void;
  /** As {@linkcode PolicyEngine.trainStep}, synchronously. */
  trainStep(minibatch: MinibatchData, options: TrainStepOptions): TrainStepStats;
}

/**
 * Creates the plain-TypeScript {@linkcode PolicyEngine}: float32 parameters and Adam moments, float64
 * arithmetic, the engine every other engine is compared against.
 *
 * Acting and training compute a row's log-probability by the same code, so the first minibatch after a
 * rollout sees a ratio of exactly 1. `trainStep` refuses to apply a non-finite gradient or update and then
 * leaves parameters and optimizer state as they were.
 *
 * @param layout The network's parameter layout (from `paramLayout`).
 * @param options Initial parameters, or the generator or seed to initialise them with.
 * @returns A synchronous engine named `"reference"`.
 *
 * @example
 * ```ts
 * import { createReferencePolicy } from "./reference_policy.ts";
 * import { paramLayout } from "./param_layout.ts";
 * import assert from "node:assert/strict";
 *
 * const layout = paramLayout({
 *   obsDim: 2, head: { kind: "categorical", n: 3 }, hidden: [8], activation: "tanh", shared: false,
 * });
 * const policy = createReferencePolicy(layout, { seed: 1 });
 * const out = { actions: new Float32Array(1), logProbs: new Float32Array(1), values: new Float32Array(1) };
 * policy.act({ obs: new Float32Array([0.1, -0.2]), batch: 1, noise: new Float32Array([0.5]) }, out);
 * assert.ok([0, 1, 2].includes(out.actions[0]!));
 * ```
 */
export function createReferencePolicy(
  layout: ParamLayout,
  options: ReferencePolicyOptions = {},
): ReferencePolicy {
  let params: Float32Array;
  if (options.params !== undefined) {
    checkParams(layout, options.params, "create the reference policy");
    params = options.params.slice();
  } else {
    params = initParams(layout, options.rng ?? new Rng(options.seed ?? 0));
  }
  return new ReferencePolicyEngine(layout, params);
}
