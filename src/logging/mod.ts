/**
 * Metric sinks for a training run: one-line console progress, JSON Lines metrics, and TensorBoard event files
 * (with a reader for them), all keyed by CleanRL's metric names.
 *
 * @example Print a progress line per iteration of a run
 * ```ts ignore
 * import { train } from "@ppo-flow/ppo-flow";
 * import { ConsoleProgress } from "@ppo-flow/ppo-flow/logging";
 *
 * const run = await train({ envId: "CartPole-v1" });
 * const progress = new ConsoleProgress(run.config.totalTimesteps);
 * run.iterations$.subscribe((m) => progress.update(m));
 * await run.done;
 * await progress.close();
 * ```
 *
 * @module
 */
export {
  ConsoleProgress,
  type ConsoleProgressOptions,
  type ProgressMetrics,
  type ProgressSink,
} from "./console_progress.ts";
export type { ByteSink } from "./_write_all.ts";
export { JsonlWriter, type JsonlWriterOptions, type LogFile, type OpenLogFile } from "./jsonl_writer.ts";
export {
  readTensorBoardEvents,
  type ReadTensorBoardEventsOptions,
  type TensorBoardEvent,
} from "./tensorboard_reader.ts";
export { TensorBoardWriter, type TensorBoardWriterOptions } from "./tensorboard_writer.ts";
export { consoleSink, jsonlSink, type MetricSink, scalarsOf, tensorBoardSink } from "./metric_sink.ts";
