/**
 * The LunarLander section of `deno task bench`: VecEnv steps per second of both LunarLander variants on the
 * planck physics engine, so the physics can be compared with the training SPS.
 *
 * @module
 */
import { Rng, VecEnv } from "../mod.ts";

/** Options of {@linkcode benchLunar}. */
export interface BenchLunarOptions {
  /** Receives each output line. @default {console.log} */
  log?: (line: string) => void;
  /** Minimum measured time per figure, in seconds. @default {1} */
  seconds?: number;
  /** Environment counts to measure. @default {[1, 16]} */
  numEnvs?: readonly number[];
}

const IDS = ["LunarLander-v3", "LunarLanderContinuous-v3"] as const;
const ACTION_ROWS = 1024;

/**
 * Prints VecEnv steps per second for `LunarLander-v3` and `LunarLanderContinuous-v3` with random actions
 * (pre-drawn from a seeded generator), finished episodes resetting as in training.
 *
 * @example
 * ```ts
 * import { benchLunar } from "./bench_lunar.ts";
 *
 * await benchLunar({ seconds: 0.01, numEnvs: [2], log: () => {} });
 * ```
 */
export async function benchLunar(options: BenchLunarOptions = {}): Promise<void> {
  const log = options.log ?? console.log;
  const seconds = options.seconds ?? 1;
  const counts = options.numEnvs ?? [1, 16];
  log(`envs: LunarLander on planck, random actions, >= ${seconds} s per figure`);
  log(`${"env".padEnd(26)} ${"numEnvs".padStart(8)} ${"VecEnv steps/s".padStart(16)}`);
  for (const id of IDS) {
    for (const numEnvs of counts) {
      log(
        `${id.padEnd(26)} ${String(numEnvs).padStart(8)} ${
          format(measure(id, numEnvs, seconds)).padStart(16)
        }`,
      );
      // Lets other work (and Ctrl-C) through between figures.
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  }
}

function measure(id: string, numEnvs: number, seconds: number): number {
  const envs = new VecEnv(id, numEnvs, { seed: 0 });
  envs.reset();
  const rng = new Rng(0);
  const width = numEnvs * envs.actionDim;
  const actions = new Float32Array(ACTION_ROWS * width);
  for (let i = 0; i < actions.length; i++) {
    actions[i] = envs.actionDim === 1 ? rng.integer(4) : rng.uniform(-1, 1);
  }
  const rows = Array.from({ length: ACTION_ROWS }, (_, r) => actions.subarray(r * width, (r + 1) * width));
  for (let row = 0; row < ACTION_ROWS / 4; row++) envs.step(rows[row]!); // warm-up for the JIT
  let steps = 0;
  let row = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < seconds * 1000) {
    for (let i = 0; i < 32; i++) {
      envs.step(rows[row]!);
      steps += numEnvs;
      row = row + 1 === ACTION_ROWS ? 0 : row + 1;
    }
    elapsed = performance.now() - start;
  }
  return steps / (elapsed / 1000);
}

function format(stepsPerSecond: number): string {
  return Math.round(stepsPerSecond).toLocaleString("en-US");
}
