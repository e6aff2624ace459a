import type { PpoConfig } from "../config/ppo_config.ts";
import type { PolicyEngine } from "../model/types.ts";
import { Collector, type CollectorState, type VectorEnvironment } from "../operators/collector.ts";
import { collectorOptions } from "./create_agent.ts";

/**
 * A collector that plays a trained policy: normalisation statistics restored from training and frozen, greedy
 * actions unless `stochastic`, and its own seeded noise.
 *
 * @param engine The policy, with the checkpoint's parameters.
 * @param vecEnv The environments to play.
 * @param config The run's config (action clipping, normalisation).
 * @param trained The collector state saved in the checkpoint.
 * @param options Seed and greedy or stochastic actions.
 *
 * @example
 * ```ts ignore
 * const collector = evaluationCollector(engine, vecEnv, config, meta.collector, { seed: 1000, stochastic: false });
 * ```
 */
export function evaluationCollector(
  engine: PolicyEngine,
  vecEnv: VectorEnvironment,
  config: PpoConfig,
  trained: CollectorState,
  options: { readonly seed: number; readonly stochastic: boolean },
): Collector {
  const collector = new Collector(engine, vecEnv, collectorOptions(config, options.seed));
  collector.frozen = true;
  collector.deterministic = !options.stochastic;
  collector.setState({ ...trained, rng: collector.getState().rng });
  return collector;
}
