import { Rng } from "../core/rng.ts";
import type { PpoConfig } from "../config/ppo_config.ts";
import type { EnvDefinition } from "../envs/define_env.ts";
import { VecEnv } from "../envs/vec_env.ts";
import { createPolicy } from "../model/create_policy.ts";
import { initParams } from "../model/init_params.ts";
import { paramLayout } from "../model/param_layout.ts";
import type { ActorCriticConfig, ParamLayout, PolicyEngine } from "../model/types.ts";
import { Collector, type CollectorOptions } from "../operators/collector.ts";

/** Seeds of the agent's generators, offset into the high word so they never equal an env seed `seed + i`. */
const INIT_STREAM = 1 * 2 ** 32;
const SHUFFLE_STREAM = 3 * 2 ** 32;

/** Everything a run trains: envs, network, engine, collector and the minibatch shuffler. */
export interface Agent {
  /** The resolved config the agent was built from. */
  readonly config: PpoConfig;
  /** `numEnvs` training environments, env i seeded with `seed + i`. */
  readonly vecEnv: VecEnv;
  /** The actor-critic's parameter layout. */
  readonly layout: ParamLayout;
  /** The engine that acts and trains: the config's `engine` (and gpu.js `backend`). */
  readonly engine: PolicyEngine;
  /** Steps `vecEnv` with `engine`; pass it to `transitions` and `ppoUpdate`. */
  readonly collector: Collector;
  /** The generator `minibatches` shuffles with. */
  readonly shuffleRng: Rng;
  /** Frees the engine's resources (workers, GPU buffers). */
  dispose(): Promise<void>;
}

/** The network shape a config asks for, on an environment's spaces. */
export function networkConfig(
  config: PpoConfig,
  vecEnv: Pick<VecEnv, "observationSpace" | "actionSpace">,
): ActorCriticConfig {
  const space = vecEnv.actionSpace;
  return {
    obsDim: vecEnv.observationSpace.size,
    head: space.kind === "discrete"
      ? { kind: "categorical", n: space.n }
      : { kind: "gaussian", dim: space.size, logStd: config.logStd, initLogStd: config.initLogStd },
    hidden: config.hidden,
    activation: config.activation,
    shared: config.sharedNetwork,
  };
}

/** The collector options a config asks for: action clipping, normalisation and reward scale, seeded with `seed`. */
export function collectorOptions(config: PpoConfig, seed: number): CollectorOptions {
  return {
    seed,
    clipActions: config.clipActions,
    normalizeObservation: config.normalizeObservation,
    normalizeReward: config.normalizeReward,
    gamma: config.gamma,
    rewardScale: config.rewardScale,
  };
}

/**
 * Builds an agent from a resolved config: `numEnvs` seeded envs (with the config's time limit, if any), a network
 * initialised as `config.init` says on the config's engine, and a collector that has reset the envs.
 *
 * @param config A resolved config.
 * @param env A user-defined environment to use instead of `config.envId`.
 * @param createEngine Creates the engine on the initial parameters. @default {createPolicy on the config's engine}
 * @returns The agent; `dispose()` it when done.
 */
export async function createAgent(
  config: PpoConfig,
  env?: EnvDefinition,
  createEngine: (layout: ParamLayout, params: Float32Array) => Promise<PolicyEngine> = (layout, params) =>
    createPolicy(layout, { engine: config.engine, backend: config.backend, params }),
): Promise<Agent> {
  const vecEnv = new VecEnv(env ?? config.envId, config.numEnvs, {
    seed: config.seed,
    ...(config.maxEpisodeSteps === null ? {} : { maxEpisodeSteps: config.maxEpisodeSteps }),
  });
  const layout = paramLayout(networkConfig(config, vecEnv));
  const params = initParams(layout, new Rng(config.seed + INIT_STREAM), { init: config.init });
  const engine = await createEngine(layout, params);
  const collector = new Collector(engine, vecEnv, collectorOptions(config, config.seed));
  return {
    config,
    vecEnv,
    layout,
    engine,
    collector,
    shuffleRng: new Rng(config.seed + SHUFFLE_STREAM),
    async dispose() {
      await engine.dispose();
    },
  };
}
