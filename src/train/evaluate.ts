import type { BackendChoice, EngineChoice } from "../model/engines.ts";
import { resolveConfig } from "../config/ppo_config.ts";
import { VecEnv } from "../envs/vec_env.ts";
import { createPolicy } from "../model/create_policy.ts";
import { paramLayout } from "../model/param_layout.ts";
import { networkConfig } from "./create_agent.ts";
import { evaluationCollector } from "./evaluation_collector.ts";
import { loadTrainingCheckpoint } from "./load_training_checkpoint.ts";

/** Options of {@linkcode evaluate}. */
export interface EvaluateOptions {
  /** Episodes to play. @default {10} */
  readonly episodes?: number;
  /** Sample actions instead of acting greedily (argmax / mean). @default {false} */
  readonly stochastic?: boolean;
  /** Seed of the evaluation envs (env i: seed + i) and of sampling. @default {1000} */
  readonly seed?: number;
  /**
   * Engine that runs the network (a name of the table `ENGINES`, or `"auto"`); the plain TypeScript engine is
   * fastest for one observation at a time.
   * @default {"reference", or "auto" when backend names a gpu.js backend}
   */
  readonly engine?: EngineChoice;
  /** The gpu.js backend of the `gpujs` engine; with `engine` absent, a gpu.js backend selects it. @default {"auto"} */
  readonly backend?: BackendChoice;
}

/** Returns and lengths of evaluation episodes, with their mean and standard deviation. */
export interface EvaluationResult {
  /** The environment the checkpoint was trained on. */
  readonly envId: string;
  /** Undiscounted return of each episode, in env order. */
  readonly returns: number[];
  /** Length of each episode in steps, in env order. */
  readonly lengths: number[];
  /** Mean of `returns`. */
  readonly meanReturn: number;
  /** Population standard deviation of `returns`. */
  readonly stdReturn: number;
  /** Mean of `lengths`. */
  readonly meanLength: number;
  /** Population standard deviation of `lengths`. */
  readonly stdLength: number;
}

/**
 * Plays a checkpoint's policy for a number of episodes with frozen normalisation statistics.
 *
 * Every episode runs in its own env, and only each env's first episode counts, so short episodes are not
 * over-represented as they would be when counting episodes as they finish across parallel envs.
 *
 * @param checkpointPath A training checkpoint (`runs/<name>/checkpoints/latest.safetensors` or `best...`).
 * @param options Episodes, greedy or stochastic actions, seed, engine and gpu.js backend.
 * @returns Per-episode returns and lengths and their statistics.
 *
 * @example
 * ```ts ignore
 * const result = await evaluate("runs/x/checkpoints/best.safetensors", { episodes: 20 });
 * console.log(result.meanReturn, result.stdReturn);
 * ```
 */
export async function evaluate(
  checkpointPath: string,
  options: EvaluateOptions = {},
): Promise<EvaluationResult> {
  const episodes = options.episodes ?? 10;
  if (!Number.isInteger(episodes) || episodes < 1) {
    throw new RangeError(
      `Cannot evaluate as episodes must be a positive integer: current value is ${episodes}`,
    );
  }
  const { checkpoint, meta } = await loadTrainingCheckpoint(checkpointPath, "evaluate");
  const config = resolveConfig(meta.config);
  const seed = options.seed ?? 1000;
  const returns: number[] = [];
  const lengths: number[] = [];
  for (let start = 0; start < episodes; start += 64) {
    const numEnvs = Math.min(64, episodes - start);
    // The environment the run trained in, its time limit included.
    const vecEnv = new VecEnv(meta.envId, numEnvs, {
      seed: seed + start,
      ...(config.maxEpisodeSteps === null ? {} : { maxEpisodeSteps: config.maxEpisodeSteps }),
    });
    const layout = paramLayout(networkConfig(config, vecEnv));
    const engine = await createPolicy(layout, {
      engine: options.engine ??
        (options.backend === undefined || options.backend === "auto" ? "reference" : "auto"),
      backend: options.backend ?? "auto",
      params: checkpoint.params,
    });
    try {
      const collector = evaluationCollector(engine, vecEnv, config, meta.collector, {
        seed: seed + start,
        stochastic: options.stochastic ?? false,
      });
      const finished = new Map<number, { return: number; length: number }>();
      while (finished.size < numEnvs) {
        const step = await collector.step();
        for (const episode of step.episodes) {
          if (!finished.has(episode.env)) finished.set(episode.env, episode);
        }
      }
      for (const episode of [...finished.entries()].sort((a, b) => a[0] - b[0])) {
        returns.push(episode[1].return);
        lengths.push(episode[1].length);
      }
    } finally {
      await engine.dispose();
    }
  }
  const [meanReturn, stdReturn] = meanStd(returns);
  const [meanLength, stdLength] = meanStd(lengths);
  return {
    envId: meta.envId,
    returns,
    lengths,
    meanReturn,
    stdReturn,
    meanLength,
    stdLength,
  };
}

function meanStd(values: number[]): [number, number] {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
  return [mean, Math.sqrt(variance)];
}
