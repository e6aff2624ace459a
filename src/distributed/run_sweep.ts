/**
 * A sweep: one trial per config and seed on a JetStream work queue, followed live until every trial has ended,
 * then summarised (CSV, JSON, and the learning curves of the best trials).
 *
 * @module
 */
import { DeliverPolicy } from "@nats-io/jetstream";
import { configFromJson } from "../config/config_from_json.ts";
import type { PpoConfig } from "../config/ppo_config.ts";
import type { IterationMetrics } from "../operators/types.ts";
import { writeLearningCurve } from "../plot/write_learning_curve.ts";
import type { NatsConnection } from "./connect_nats.ts";
import { JetStreamResources, TRIAL_EVENT_STREAM } from "./_jetstream.ts";
import { type SweepTrial, type TrialEvent, trialEventSubject, trialSubject } from "./sweep_trial.ts";

/**
 * A sweep file: `base` hyperparameters, then either a `grid` (every combination of its lists) or a list of
 * `configs`, each trained with every seed of `seeds`.
 */
export interface SweepSpec {
  /** Hyperparameters every trial shares. */
  readonly base?: Partial<PpoConfig>;
  /** Lists of values to combine, by option name. */
  readonly grid?: Readonly<Record<string, readonly unknown[]>>;
  /** Configs to try instead of a grid. */
  readonly configs?: readonly Partial<PpoConfig>[];
  /** Seeds of every config. @default {[1]} */
  readonly seeds?: readonly number[];
}

/**
 * The trials of a sweep spec: one per config (grid combination or listed config) and seed.
 *
 * @example
 * ```ts
 * import { sweepTrials } from "./run_sweep.ts";
 * import assert from "node:assert/strict";
 *
 * const trials = sweepTrials({ grid: { learningRate: [1e-3, 3e-4] }, seeds: [1, 2] }, "s1", 10);
 * assert.equal(trials.length, 4);
 * assert.equal(trials[3]!.name, "learningRate=0.0003 seed=2");
 * ```
 */
export function sweepTrials(spec: SweepSpec, sweep: string, checkpointEvery: number): SweepTrial[] {
  if (spec.grid !== undefined && spec.configs !== undefined) {
    throw new TypeError("Cannot build a sweep with both grid and configs: current value is both");
  }
  let configs: Record<string, unknown>[] = [{}];
  if (spec.grid !== undefined) {
    for (const [key, values] of Object.entries(spec.grid)) {
      if (!Array.isArray(values) || values.length === 0) {
        throw new TypeError(
          `Cannot build a sweep as grid.${key} must be a non-empty list: current value is ${values}`,
        );
      }
      configs = configs.flatMap((config) => values.map((value) => ({ ...config, [key]: value })));
    }
  } else if (spec.configs !== undefined) {
    configs = spec.configs.map((config) => ({ ...config }));
  }
  const seeds = spec.seeds ?? [1];
  return configs.flatMap((overrides) =>
    seeds.map((seed) => {
      const config = configFromJson({ ...spec.base, ...overrides, seed });
      const name = [...Object.entries(overrides).map(([k, v]) => `${k}=${v}`), `seed=${seed}`].join(" ");
      return { overrides, config, name };
    })
  ).map(({ config, name }, index): SweepTrial => ({
    kind: "ppo-flow/trial",
    sweep,
    index,
    name,
    config,
    checkpointEvery,
  }));
}

/** A trial's outcome in the summary. */
export interface TrialSummary {
  readonly index: number;
  readonly name: string;
  readonly config: Partial<PpoConfig>;
  /** "done" or "failed". */
  readonly status: string;
  readonly iterations: number;
  readonly globalStep: number;
  /** Mean of the last 10 iterations' episodic returns. */
  readonly finalReturn: number | null;
  readonly meanReturn100: number | null;
  /** The iteration a worker resumed it from after its first worker died (0: never). */
  readonly resumedFrom: number;
  readonly error?: string;
}

/** Options of {@linkcode runSweep}. */
export interface RunSweepOptions {
  /** Where the summary, trial metrics and curves go. */
  readonly outDir: string;
  /** Iterations between a trial's checkpoints. @default {10} */
  readonly checkpointEvery?: number;
  /** Learning curves of this many best trials. @default {3} */
  readonly bestCurves?: number;
  /** Progress lines. @default {console.log} */
  readonly onProgress?: (line: string) => void;
}

/**
 * Publishes a sweep's trials and follows them until every one has ended; writes `summary.csv`,
 * `summary.json`, each trial's `metrics.jsonl` and `learning_curves.svg` of the best trials under `outDir`.
 *
 * @param nc The connection.
 * @param spec The sweep.
 * @param options Output directory, checkpoint interval and progress.
 * @returns The trials' summaries, best first.
 */
export async function runSweep(
  nc: NatsConnection,
  spec: SweepSpec,
  options: RunSweepOptions,
): Promise<TrialSummary[]> {
  const sweep = `sweep-${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const trials = sweepTrials(spec, sweep, options.checkpointEvery ?? 10);
  const progress = options.onProgress ?? ((line: string) => console.log(line));
  const resources = await JetStreamResources.open(nc);
  await resources.ensureTrialStreams();
  const metrics = trials.map(() => new Map<number, IterationMetrics>());
  const ended = new Map<number, TrialEvent & { kind: "done" | "failed" }>();
  const consumer = await resources.js.consumers.get(TRIAL_EVENT_STREAM, {
    filter_subjects: trialEventSubject(sweep),
    deliver_policy: DeliverPolicy.All,
  });
  const messages = await consumer.consume();
  for (const trial of trials) {
    await resources.js.publish(trialSubject(sweep), new TextEncoder().encode(JSON.stringify(trial)), {
      msgID: `${sweep}.${trial.index}`,
    });
  }
  progress(`ppo-flow sweep ${sweep}: ${trials.length} trials published`);
  let lastShown = 0;
  for await (const msg of messages) {
    let event: TrialEvent;
    try {
      event = JSON.parse(new TextDecoder().decode(msg.data));
    } catch {
      continue;
    }
    const trial = trials[event.index];
    if (trial === undefined) continue;
    if (event.kind === "metrics") metrics[event.index]!.set(event.metrics.iteration, event.metrics);
    else if (!ended.has(event.index)) {
      ended.set(event.index, event);
      progress(
        `ppo-flow sweep: trial ${event.index} (${trial.name}) ${
          event.kind === "done"
            ? `done at step ${event.globalStep}${
              event.resumedFrom > 0 ? `, resumed from iteration ${event.resumedFrom}` : ""
            }`
            : `failed: ${event.error}`
        } [${ended.size}/${trials.length}]`,
      );
    }
    if (ended.size === trials.length) break;
    if (performance.now() - lastShown > 2000) {
      lastShown = performance.now();
      progress(trials.map((t, i) => `  ${i}: ${status(metrics[i]!, ended.get(i))} ${t.name}`).join("\n"));
    }
  }
  await messages.close();
  return await writeSummary(trials, metrics, ended, options);
}

function status(metrics: Map<number, IterationMetrics>, end: TrialEvent | undefined): string {
  if (end !== undefined) return end.kind.padEnd(24);
  const last = [...metrics.values()].at(-1);
  if (last === undefined) return "waiting".padEnd(24);
  const r = last["charts/episodic_return"];
  return `it ${last.iteration} R ${r === undefined ? "-" : r.toFixed(1)}`.padEnd(24);
}

async function writeSummary(
  trials: readonly SweepTrial[],
  metrics: readonly Map<number, IterationMetrics>[],
  ended: Map<number, TrialEvent & { kind: "done" | "failed" }>,
  options: RunSweepOptions,
): Promise<TrialSummary[]> {
  const out = options.outDir;
  await Deno.mkdir(out, { recursive: true });
  const summaries = trials.map((trial, i): TrialSummary => {
    const lines = [...metrics[i]!.entries()].sort(([a], [b]) => a - b).map(([, m]) => m);
    const returns = lines.map((m) => m["charts/episodic_return"]).filter((r): r is number => r !== undefined);
    const tail = returns.slice(-10);
    const end = ended.get(i)!;
    return {
      index: i,
      name: trial.name,
      config: trial.config,
      status: end.kind,
      iterations: lines.length,
      globalStep: lines.at(-1)?.global_step ?? 0,
      finalReturn: tail.length === 0 ? null : tail.reduce((a, b) => a + b, 0) / tail.length,
      meanReturn100: end.kind === "done" ? end.meanReturn100 : null,
      resumedFrom: end.kind === "done" ? end.resumedFrom : 0,
      ...(end.kind === "failed" ? { error: end.error } : {}),
    };
  });
  for (const [i, trial] of trials.entries()) {
    const dir = `${out}/trial-${trial.index}`;
    await Deno.mkdir(dir, { recursive: true });
    const lines = [...metrics[i]!.entries()].sort(([a], [b]) => a - b).map(([, m]) => JSON.stringify(m));
    await Deno.writeTextFile(`${dir}/metrics.jsonl`, lines.join("\n") + (lines.length > 0 ? "\n" : ""));
  }
  const ranked = [...summaries].sort((a, b) => (b.finalReturn ?? -Infinity) - (a.finalReturn ?? -Infinity));
  await Deno.writeTextFile(`${out}/summary.json`, JSON.stringify(ranked, null, 2) + "\n");
  const header = "index,name,status,iterations,global_step,final_return,mean_return_100,resumed_from";
  const csv = ranked.map((s) =>
    [
      s.index,
      JSON.stringify(s.name),
      s.status,
      s.iterations,
      s.globalStep,
      s.finalReturn ?? "",
      s.meanReturn100 ?? "",
      s.resumedFrom,
    ]
      .join(",")
  );
  await Deno.writeTextFile(`${out}/summary.csv`, [header, ...csv].join("\n") + "\n");
  const best = ranked.filter((s) => s.iterations > 0).slice(0, options.bestCurves ?? 3);
  if (best.length > 0) {
    await writeLearningCurve(best.map((s) => `${out}/trial-${s.index}`), `${out}/learning_curves.svg`);
  }
  return ranked;
}
