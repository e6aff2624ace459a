/**
 * The PPO pipeline's stages as RxJS operators: `transitions` steps the envs through a `Collector`, `rollout`
 * gathers the steps of one iteration, `advantage` adds GAE advantages and returns, `minibatches` shuffles them
 * into epochs of minibatches, `ppoUpdate` trains on each, and `iterationMetrics` sums an iteration up under
 * CleanRL's metric keys. Compose them, and your own operators, with `pipe()`.
 *
 * @example One iteration, composed by hand
 * ```ts ignore
 * import { createAgent, resolveConfig } from "@ppo-flow/ppo-flow";
 * import { advantage, minibatches, ppoUpdate, rollout, transitions } from "@ppo-flow/ppo-flow/operators";
 *
 * const config = resolveConfig({ envId: "CartPole-v1" });
 * const { collector, engine, shuffleRng } = await createAgent(config);
 * transitions(collector, { numSteps: config.numSteps }).pipe(
 *   rollout({ numSteps: config.numSteps }),
 *   advantage(engine, { gamma: config.gamma, gaeLambda: config.gaeLambda }),
 *   minibatches(shuffleRng, { numMinibatches: config.numMinibatches, updateEpochs: config.updateEpochs }),
 *   ppoUpdate(collector, config),
 * ).subscribe((update) => console.log(update.losses.approxKl));
 * ```
 *
 * @module
 */
export { advantage, type AdvantageBuffers, type AdvantageOptions, type ValueEstimator } from "./advantage.ts";
export {
  Collector,
  type CollectorOptions,
  type CollectorState,
  type VectorEnvironment,
} from "./collector.ts";
export { iterationMetrics, type IterationMetricsOptions } from "./iteration_metrics.ts";
export { minibatches, type MinibatchesOptions } from "./minibatches.ts";
export {
  policyThenValue,
  type PolicyThenValueOptions,
  type PolicyThenValueResult,
  type PolicyThenValueTarget,
} from "./policy_then_value.ts";
export { ppoUpdate, type PpoUpdateOptions, type UpdateTarget } from "./ppo_update.ts";
export { recomputeAdvantages, type RecomputeAdvantagesOptions } from "./recompute_advantages.ts";
export { rewardsToGoAdvantage, type RewardsToGoAdvantageOptions } from "./rewards_to_go_advantage.ts";
export { rollout, type RolloutOptions } from "./rollout.ts";
export { tdAdvantage, type TdAdvantageOptions } from "./td_advantage.ts";
export { type StepSource, transitions } from "./transitions.ts";
export type * from "./types.ts";
