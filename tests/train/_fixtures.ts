/**
 * What the train tests share: a tiny CartPole run, its metrics without timing, and temporary run directories.
 *
 * @module
 */
import type { IterationMetrics } from "../../src/operators/types.ts";
import type { Run } from "../../src/train/train.ts";

/** Six iterations of 2 envs x 16 steps, 2 minibatches x 2 epochs, on the reference engine. */
export const TINY = {
  numEnvs: 2,
  numSteps: 16,
  numMinibatches: 2,
  updateEpochs: 2,
  totalTimesteps: 32 * 6,
  engine: "reference",
} as const;

/** Metrics without `charts/SPS`, the one field that depends on time. */
export function withoutTiming(metrics: IterationMetrics[]): Record<string, unknown>[] {
  return metrics.map(({ "charts/SPS": _sps, ...rest }) => rest);
}

/** A run directory's `metrics.jsonl`, parsed. */
export async function readMetrics(runDir: string): Promise<IterationMetrics[]> {
  const text = await Deno.readTextFile(`${runDir}/metrics.jsonl`);
  return text.trim().split("\n").map((line) => JSON.parse(line));
}

/** Stops `run` once it has finished `iteration`; resolves when it has ended. */
export function stopAt(run: Run, iteration: number): Promise<unknown> {
  run.iterations$.subscribe((m) => {
    if (m.iteration === iteration) void run.stop();
  });
  return run.done;
}

/** Runs `body` with a fresh temporary runs directory, removed afterwards. */
export async function withRunsDir(body: (runsDir: string) => Promise<void>): Promise<void> {
  const runsDir = await Deno.makeTempDir();
  try {
    await body(runsDir);
  } finally {
    await Deno.remove(runsDir, { recursive: true });
  }
}
