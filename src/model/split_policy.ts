import type {
  ActInput,
  ActOutput,
  EvaluateOutput,
  MinibatchData,
  OptimizerState,
  ParamLayout,
  PolicyEngine,
  TrainStepOptions,
  TrainStepStats,
} from "./types.ts";
import type { EngineName } from "./engines.ts";

/**
 * Joins two engines on one network, one per phase: `update` trains (a GPU engine, whose every call pays a
 * readback of about 10 ms in Deno) and `inference` acts and computes values on the host (a rollout's batch of a
 * few rows is microseconds there). After training, the inference engine gets the new parameters once, on its
 * next call, so a whole update's minibatches cost one copy.
 *
 * The two engines compute log-probabilities with different float32 roundings, so the first minibatch after a
 * rollout sees a ratio within float32 rounding of 1 rather than exactly 1.
 *
 * @param update The engine whose `trainStep` runs, and which owns parameters and optimizer state.
 * @param inference The engine that acts, evaluates and computes values.
 * @returns An engine named as `update` is (with its backend); disposing it disposes both.
 *
 * @example
 * ```ts
 * import { createSplitPolicy } from "./split_policy.ts";
 * import { createReferencePolicy } from "./reference_policy.ts";
 * import { paramLayout } from "./param_layout.ts";
 * import assert from "node:assert/strict";
 *
 * const layout = paramLayout({
 *   obsDim: 2, head: { kind: "categorical", n: 2 }, hidden: [4], activation: "tanh", shared: false,
 * });
 * const engine = createSplitPolicy(createReferencePolicy(layout, { seed: 1 }), createReferencePolicy(layout));
 * assert.equal(engine.engine, "reference");
 * await engine.dispose();
 * ```
 */
export function createSplitPolicy(update: PolicyEngine, inference: PolicyEngine): PolicyEngine {
  if (update.layout.size !== inference.layout.size) {
    throw new TypeError(
      `Cannot create a split policy as both engines must share one layout: current sizes are ${update.layout.size} and ${inference.layout.size}`,
    );
  }
  return new SplitPolicy(update, inference);
}

class SplitPolicy implements PolicyEngine {
  readonly layout: ParamLayout;
  readonly #update: PolicyEngine;
  readonly #inference: PolicyEngine;
  #stale = true;

  constructor(update: PolicyEngine, inference: PolicyEngine) {
    this.layout = update.layout;
    this.#update = update;
    this.#inference = inference;
  }

  get engine(): EngineName {
    return this.#update.engine;
  }

  get backend(): string | undefined {
    return this.#update.backend;
  }

  act(input: ActInput, out: ActOutput): void | Promise<void> {
    return this.#synced().act(input, out);
  }

  values(obs: Float32Array, batch: number, out: Float32Array): void | Promise<void> {
    return this.#synced().values(obs, batch, out);
  }

  evaluate(
    obs: Float32Array,
    actions: Float32Array,
    batch: number,
    out: EvaluateOutput,
  ): void | Promise<void> {
    return this.#synced().evaluate(obs, actions, batch, out);
  }

  trainStep(minibatch: MinibatchData, options: TrainStepOptions): TrainStepStats | Promise<TrainStepStats> {
    this.#stale = true;
    return this.#update.trainStep(minibatch, options);
  }

  getParams(): Float32Array {
    return this.#update.getParams();
  }

  setParams(params: Float32Array): void {
    this.#update.setParams(params);
    this.#stale = true;
  }

  getOptimizerState(): OptimizerState {
    return this.#update.getOptimizerState();
  }

  setOptimizerState(state: OptimizerState): void {
    this.#update.setOptimizerState(state);
  }

  async dispose(): Promise<void> {
    await this.#update.dispose();
    await this.#inference.dispose();
  }

  #synced(): PolicyEngine {
    if (this.#stale) {
      this.#inference.setParams(this.#update.getParams());
      this.#stale = false;
    }
    return this.#inference;
  }
}
