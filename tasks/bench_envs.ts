/**
 * The environment section of `deno task bench`: VecEnv throughput on CartPole-v1 against a plain loop over
 * single environments doing the same work.
 *
 * @module
 */
import { make, Rng, VecEnv } from "../mod.ts";

/** Options of {@linkcode benchEnvs}. */
export interface BenchEnvsOptions {
  /** Receives each output line. @default {console.log} */
  log?: (line: string) => void;
  /** Minimum measured time per figure, in seconds. @default {1} */
  seconds?: number;
  /** Environment counts to measure. @default {[1, 8, 64]} */
  numEnvs?: readonly number[];
}

const ID = "CartPole-v1";
const ACTION_ROWS = 1024;

/**
 * Prints CartPole-v1 steps per second for a `VecEnv` and for a loop calling `step` on as many single
 * environments (resetting finished ones), with the ratio between them. Actions are random, pre-drawn from a
 * seeded generator, and identical for both.
 *
 * @example
 * ```ts
 * import { benchEnvs } from "./bench_envs.ts";
 *
 * await benchEnvs({ seconds: 0.01, numEnvs: [2], log: () => {} });
 * ```
 */
export async function benchEnvs(options: BenchEnvsOptions = {}): Promise<void> {
  const log = options.log ?? console.log;
  const seconds = options.seconds ?? 1;
  const counts = options.numEnvs ?? [1, 8, 64];
  log(`envs: ${ID}, random actions, >= ${seconds} s per figure`);
  log(
    `${"numEnvs".padStart(8)} ${"VecEnv steps/s".padStart(16)} ${"loop steps/s".padStart(14)} ${
      "ratio".padStart(7)
    }`,
  );
  for (const numEnvs of counts) {
    const actions = randomActions(numEnvs);
    const vec = measure(seconds, vecStepper(numEnvs, actions));
    const loop = measure(seconds, loopStepper(numEnvs, actions));
    log(
      `${String(numEnvs).padStart(8)} ${format(vec).padStart(16)} ${format(loop).padStart(14)} ${
        (vec / loop).toFixed(2).padStart(6)
      }x`,
    );
    // Lets other work (and Ctrl-C) through between figures.
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

function randomActions(numEnvs: number): Float32Array {
  const rng = new Rng(0);
  const actions = new Float32Array(ACTION_ROWS * numEnvs);
  for (let i = 0; i < actions.length; i++) actions[i] = rng.integer(2);
  return actions;
}

/** A function advancing all environments by one step and returning how many env-steps that was. */
type Stepper = (row: number) => number;

function vecStepper(numEnvs: number, actions: Float32Array): Stepper {
  const envs = new VecEnv(ID, numEnvs, { seed: 0 });
  envs.reset();
  const rows = Array.from(
    { length: ACTION_ROWS },
    (_, r) => actions.subarray(r * numEnvs, (r + 1) * numEnvs),
  );
  return (row) => {
    envs.step(rows[row]!);
    return numEnvs;
  };
}

function loopStepper(numEnvs: number, actions: Float32Array): Stepper {
  const envs = Array.from({ length: numEnvs }, (_, i) => {
    const env = make(ID);
    env.reset({ seed: i });
    return env;
  });
  return (row) => {
    const base = row * numEnvs;
    for (let i = 0; i < numEnvs; i++) {
      const env = envs[i]!;
      const result = env.step(actions[base + i]!);
      if (result.terminated || result.truncated) env.reset();
    }
    return numEnvs;
  };
}

function measure(seconds: number, step: Stepper): number {
  for (let row = 0; row < ACTION_ROWS; row++) step(row); // warm-up for the JIT
  let steps = 0;
  let row = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < seconds * 1000) {
    for (let i = 0; i < 256; i++) {
      steps += step(row);
      row = row + 1 === ACTION_ROWS ? 0 : row + 1;
    }
    elapsed = performance.now() - start;
  }
  return steps / (elapsed / 1000);
}

function format(stepsPerSecond: number): string {
  return Math.round(stepsPerSecond).toLocaleString("en-US");
}
