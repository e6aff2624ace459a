/**
 * The PPO pipeline's stages as RxJS operators: `transitions` steps the envs through a `Collector`, `rollout`
 * gathers the steps of one iteration, `advantage` adds GAE advantages and returns, `minibatches` shuffles them
 * into epochs of minibatches, `ppoUpdate` trains on each, and `iterationMetrics` sums an iteration up under
 * CleanRL's metric keys. Compose them, and your own operators, with `pipe()`.
 *
 * Alternatives with the same input and output types: `episodeRollout` (rollouts that end with an episode) for
 * `rollout`; `rewardsToGoAdvantage` (Monte-Carlo returns) and `tdAdvantage` (TD(0) targets) for `advantage`;
 * `recomputeAdvantages` (GAE with the current critic before every epoch) around `ppoUpdate`; `policyThenValue`
 * (a policy loop, then a value loop, on the whole batch) for `minibatches` and `ppoUpdate`. `runningRewardStop`
 * is a stop rule on a run's episodes or iterations.
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
export { episodeRollout, type EpisodeRolloutOptions } from "./episode_rollout.ts";
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
export {
  type RunningReward,
  runningRewardStop,
  type RunningRewardStopOptions,
} from "./running_reward_stop.ts";
export { tdAdvantage, type TdAdvantageOptions } from "./td_advantage.ts";
export { type StepSource, transitions } from "./transitions.ts";
export type * from "./types.ts";
