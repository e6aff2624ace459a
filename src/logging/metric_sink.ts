/**
 * Metric sinks: where `train()` sends each iteration's metrics besides its run files. The JSONL, TensorBoard and
 * console writers are sinks too, so a user's sink (a database, a web service, a custom plot) plugs in the same
 * way.
 *
 * @module
 */
import type { IterationMetrics } from "../operators/types.ts";
import { ConsoleProgress, type ConsoleProgressOptions } from "./console_progress.ts";
import { JsonlWriter } from "./jsonl_writer.ts";
import { TensorBoardWriter } from "./tensorboard_writer.ts";

/** Receives one record per iteration; `train()` awaits each write before the next iteration starts. */
export interface MetricSink {
  /** Records one iteration's metrics (CleanRL's keys, plus `global_step` and `iteration`). */
  write(metrics: IterationMetrics): void | Promise<void>;
  /** Flushes and releases what the sink holds; called once when the run ends. */
  close?(): void | Promise<void>;
}

/**
 * A sink appending one JSON line per iteration to `path` (as `metrics.jsonl`).
 *
 * @param path The file; its directory must exist.
 * @returns The sink.
 *
 * @example
 * ```ts
 * import { jsonlSink } from "./metric_sink.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const sink = await jsonlSink(`${dir}/copy.jsonl`);
 * await sink.write({ global_step: 512, iteration: 1 } as never);
 * await sink.close?.();
 * assert.equal(await Deno.readTextFile(`${dir}/copy.jsonl`), '{"global_step":512,"iteration":1}\n');
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function jsonlSink(path: string): Promise<MetricSink> {
  const writer = await JsonlWriter.open(path, { append: false });
  return { write: (metrics) => writer.write(metrics), close: () => writer.close() };
}

/**
 * A sink writing every finite numeric metric as a TensorBoard scalar at its `global_step`.
 *
 * @param dir The directory of the new event file.
 * @returns The sink.
 */
export async function tensorBoardSink(dir: string): Promise<MetricSink> {
  const writer = await TensorBoardWriter.open(dir);
  return {
    write(metrics) {
      writer.addScalars(metrics.global_step, scalarsOf(metrics));
      return writer.flush();
    },
    close: () => writer.close(),
  };
}

/** The finite numeric metrics of an iteration, as TensorBoard scalars (its step fields excluded). */
export function scalarsOf(metrics: IterationMetrics): Record<string, number> {
  const scalars: Record<string, number> = {};
  for (const [key, value] of Object.entries(metrics)) {
    if (key !== "global_step" && key !== "iteration" && typeof value === "number" && Number.isFinite(value)) {
      scalars[key] = value;
    }
  }
  return scalars;
}

/**
 * A sink drawing `deno task train`'s progress line (or plain lines off a terminal).
 *
 * @param totalTimesteps The run's planned steps, for the bar and the ETA.
 * @param options Where to write and how often.
 * @returns The sink.
 */
export function consoleSink(totalTimesteps: number, options: ConsoleProgressOptions = {}): MetricSink {
  const progress = new ConsoleProgress(totalTimesteps, options);
  return { write: (metrics) => progress.update(metrics), close: () => progress.close() };
}
