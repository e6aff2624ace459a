/**
 * `deno task bench:learn [--env ID]... [--seeds N] [--defaults] [--engine E] [--backend B]`: trains each
 * environment on several seeds and prints the final 100-episode mean return and the first global step at which the
 * 100-episode moving mean of training returns crossed the environment's threshold, with wall time.
 *
 * @module
 */
import { parseArgs } from "node:util";
import type { BackendChoice, EngineChoice, PpoConfig } from "../src/config/ppo_config.ts";
import { PRESETS } from "../src/config/presets.ts";
import { train } from "../src/train/train.ts";

/** Thresholds: Gymnasium's reward thresholds, and the target for Pendulum (which has none). */
const THRESHOLDS: Record<string, number> = {
  "CartPole-v1": 475,
  "Acrobot-v1": -100,
  "MountainCar-v0": -110,
  "MountainCarContinuous-v0": 90,
  "Pendulum-v1": -250,
  "LunarLander-v3": 200,
  "LunarLanderContinuous-v3": 200,
};

/** One seed's outcome. */
export interface LearnResult {
  readonly envId: string;
  readonly seed: number;
  readonly finalMean100: number | null;
  readonly crossedAt: number | null;
  readonly crossedAfterSeconds: number | null;
  readonly seconds: number;
  readonly totalTimesteps: number;
}

/**
 * Trains one environment on one seed without writing files and reports when it crossed its threshold.
 *
 * @param envId The environment.
 * @param seed The seed.
 * @param overrides Config overrides (on top of the preset unless `usePreset` is false).
 * @param usePreset Start from the environment's preset (true) or from CleanRL's defaults (false).
 */
export async function learnOnce(
  envId: string,
  seed: number,
  overrides: Partial<PpoConfig>,
  usePreset: boolean,
): Promise<LearnResult> {
  const threshold = THRESHOLDS[envId] ?? Infinity;
  const start = performance.now();
  const run = await train({ ...overrides, envId, seed }, { writeFiles: false, usePreset });
  const window: number[] = [];
  let sum = 0;
  let crossedAt: number | null = null;
  let crossedAfterSeconds: number | null = null;
  run.episodes$.subscribe({
    error: () => {},
    next: (episode) => {
      window.push(episode.return);
      sum += episode.return;
      if (window.length > 100) sum -= window.shift()!;
      if (crossedAt === null && window.length === 100 && sum / 100 >= threshold) {
        crossedAt = episode.globalStep;
        crossedAfterSeconds = (performance.now() - start) / 1000;
      }
    },
  });
  const summary = await run.done;
  return {
    envId,
    seed,
    finalMean100: summary.meanReturn100,
    crossedAt,
    crossedAfterSeconds,
    seconds: (performance.now() - start) / 1000,
    totalTimesteps: run.config.totalTimesteps,
  };
}

async function main(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      env: { type: "string", multiple: true },
      seeds: { type: "string", default: "3" },
      defaults: { type: "boolean", default: false },
      engine: { type: "string" },
      backend: { type: "string" },
      "total-timesteps": { type: "string" },
    },
  });
  const envs = values.env ?? Object.keys(PRESETS);
  const seeds = Number(values.seeds);
  const overrides: Partial<PpoConfig> = {
    ...(values.engine ? { engine: values.engine as EngineChoice } : {}),
    ...(values.backend ? { backend: values.backend as BackendChoice } : {}),
    ...(values["total-timesteps"] ? { totalTimesteps: Number(values["total-timesteps"]) } : {}),
  };
  const variant = values.defaults ? "CleanRL defaults" : "preset";
  console.log(`bench:learn (${variant}; 100-episode moving mean of training returns)\n`);
  console.log(
    `${"env".padEnd(26)}${"seed".padStart(5)}${"steps".padStart(10)}${"final mean".padStart(12)}${
      "threshold".padStart(11)
    }${"crossed at".padStart(12)}${"(s)".padStart(8)}${"wall s".padStart(9)}`,
  );
  for (const envId of envs) {
    const results: LearnResult[] = [];
    for (let seed = 1; seed <= seeds; seed++) {
      const r = await learnOnce(envId, seed, overrides, !values.defaults);
      results.push(r);
      console.log(
        `${envId.padEnd(26)}${String(seed).padStart(5)}${String(r.totalTimesteps).padStart(10)}${
          (r.finalMean100?.toFixed(1) ?? "n/a").padStart(12)
        }${String(THRESHOLDS[envId] ?? "-").padStart(11)}${String(r.crossedAt ?? "never").padStart(12)}${
          (r.crossedAfterSeconds?.toFixed(1) ?? "-").padStart(8)
        }${r.seconds.toFixed(1).padStart(9)}`,
      );
    }
    const crossed = results.filter((r) => r.crossedAt !== null).length;
    console.log(`${envId}: crossed the threshold on ${crossed} of ${results.length} seeds\n`);
  }
}

if (import.meta.main) await main(Deno.args);
