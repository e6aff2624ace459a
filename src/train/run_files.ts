import { type JsonValue, saveCheckpoint } from "../io/checkpoint.ts";
import { writeFileAtomic } from "../io/write_file_atomic.ts";
import { JsonlWriter } from "../logging/jsonl_writer.ts";
import { scalarsOf } from "../logging/metric_sink.ts";
import { TensorBoardWriter } from "../logging/tensorboard_writer.ts";
import { trimTensorBoardEvents } from "../logging/trim_tensorboard_events.ts";
import { configToJson } from "../config/config_to_json.ts";
import type { PpoConfig } from "../config/ppo_config.ts";
import type { IterationMetrics } from "../operators/types.ts";
import type { Agent } from "./create_agent.ts";
import { loadTrainingCheckpoint } from "./load_training_checkpoint.ts";
import { latestCheckpointPath, type TrainingMetadata, trainingMetadata, VERSIONS } from "./training_state.ts";

/** The checkpoint a run resumes from, as {@linkcode RunFiles.open} checks it against the run directory. */
export interface ResumePoint {
  /** The run id recorded in the checkpoint, or null for a checkpoint written before run ids. */
  readonly runId: string | null;
  /** The environment the checkpoint was trained on. */
  readonly envId: string;
  /** The checkpoint's resolved config. */
  readonly config: PpoConfig;
  /** Iterations done at the checkpoint. */
  readonly iteration: number;
  /** Environment steps done at the checkpoint. */
  readonly globalStep: number;
}

/** Options of {@linkcode RunFiles.open}. */
export interface RunFilesOptions {
  /** Reopen the run for this checkpoint instead of starting a new one. @default {null} */
  readonly resume?: ResumePoint | null;
  /** Told about recoverable damage (a torn last metrics line, an unreadable best checkpoint). @default {console.warn} */
  readonly onWarning?: (message: string) => void;
}

/**
 * The files of one run directory: `config.json`, `metrics.jsonl`, TensorBoard events and `checkpoints/`
 * (`latest.safetensors`, and `best.safetensors` by the 100-episode mean return).
 */
export class RunFiles {
  /** The run directory. */
  readonly dir: string;
  /** The id recorded at the run's creation in `config.json` and every checkpoint. */
  readonly runId: string;
  #metrics: JsonlWriter;
  #events: TensorBoardWriter;
  #bestReturn: number;

  private constructor(
    dir: string,
    runId: string,
    metrics: JsonlWriter,
    events: TensorBoardWriter,
    bestReturn: number,
  ) {
    this.dir = dir;
    this.runId = runId;
    this.#metrics = metrics;
    this.#events = events;
    this.#bestReturn = bestReturn;
  }

  /**
   * Creates (or, when resuming, reopens) a run directory and writes its `config.json`. The caller holds the
   * directory's {@linkcode RunLock}.
   *
   * A resumed run is checked first: the checkpoint must belong to this directory's run (same run id, or for
   * older runs the same environment and config apart from `totalTimesteps`, `engine` and `backend`). Then
   * `metrics.jsonl` and the
   * TensorBoard events keep only what the checkpoint had reached (both rewritten atomically; a torn last
   * metrics line is dropped with a warning, a corrupt earlier one is refused), and the best score is read
   * back from `best.safetensors`, so a worse policy never replaces it.
   *
   * @param dir The run directory.
   * @param config The resolved config.
   * @param agent Supplies the engine (and gpu.js backend) and spaces recorded in `config.json`.
   * @param options The checkpoint to resume from, and where warnings go.
   */
  static async open(
    dir: string,
    config: PpoConfig,
    agent: Agent,
    options: RunFilesOptions = {},
  ): Promise<RunFiles> {
    const resume = options.resume ?? null;
    const warn = options.onWarning ?? ((message: string) => console.warn(message));
    const metricsPath = `${dir}/metrics.jsonl`;
    let runId: string;
    let bestReturn = -Infinity;
    if (resume === null) {
      if (await exists(metricsPath)) {
        throw new RangeError(
          `Cannot start run as ${dir} already holds a run (use --resume or another --run-name): current value is ${dir}`,
        );
      }
      runId = crypto.randomUUID();
    } else {
      runId = await checkRunIdentity(dir, resume);
      await removeLeftoverTemporaries(dir);
      await keepMetricsUpTo(metricsPath, resume.iteration, warn);
      await keepEventsUpTo(dir, resume.globalStep, warn);
      bestReturn = await readBestReturn(dir, runId, warn);
    }
    await Deno.mkdir(`${dir}/checkpoints`, { recursive: true });
    const description = {
      runId,
      config: configToJson(config),
      envId: agent.vecEnv.spec.id,
      engine: agent.engine.engine,
      ...(agent.engine.backend === undefined ? {} : { backend: agent.engine.backend }),
      observationSpace: agent.vecEnv.observationSpace.toJSON(),
      actionSpace: agent.vecEnv.actionSpace.toJSON(),
      parameters: agent.layout.size,
      versions: VERSIONS,
    };
    await writeFileAtomic(`${dir}/config.json`, JSON.stringify(description, null, 2) + "\n");
    const metrics = await JsonlWriter.open(metricsPath, { append: resume !== null });
    try {
      const events = await TensorBoardWriter.open(dir);
      return new RunFiles(dir, runId, metrics, events, bestReturn);
    } catch (error) {
      await metrics.close();
      throw error;
    }
  }

  /** Appends one iteration's metrics to `metrics.jsonl` and the TensorBoard events. */
  async writeMetrics(metrics: IterationMetrics): Promise<void> {
    const what = `iteration ${metrics.iteration} (global step ${metrics.global_step})`;
    try {
      await this.#metrics.write(metrics);
      this.#events.addScalars(metrics.global_step, scalarsOf(metrics));
      await this.#events.flush();
    } catch (error) {
      throw new Error(`Cannot log ${what}: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
      });
    }
  }

  /** Writes `latest.safetensors` (and `best.safetensors` on a new best mean return); returns the latest's path. */
  async saveCheckpoint(
    agent: Agent,
    recentReturns: readonly number[],
    meanReturn100: number | null,
    stageState: ReadonlyMap<string, JsonValue> = new Map(),
  ): Promise<string> {
    const engine = agent.engine;
    const checkpoint = {
      params: engine.getParams(),
      tensors: agent.layout.tensors,
      optimizer: engine.getOptimizerState(),
      metadata: metadataOf(trainingMetadata(agent, recentReturns, meanReturn100, this.runId, stageState)),
    };
    const latest = latestCheckpointPath(this.dir);
    await saveCheckpoint(latest, checkpoint);
    if (meanReturn100 !== null && meanReturn100 > this.#bestReturn) {
      await saveCheckpoint(bestCheckpointPath(this.dir), checkpoint);
      this.#bestReturn = meanReturn100;
    }
    return latest;
  }

  /** Flushes and closes the metric files. */
  async close(): Promise<void> {
    try {
      await this.#metrics.close();
    } finally {
      await this.#events.close();
    }
  }
}

/** A checkpoint's metadata as JSON holds it: the config's non-finite numbers (`maxGradNorm: Infinity`) as strings. */
function metadataOf(meta: TrainingMetadata): Record<string, unknown> {
  return { ...meta, config: configToJson(meta.config) };
}

function bestCheckpointPath(dir: string): string {
  return `${dir}/checkpoints/best.safetensors`;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/**
 * Refuses a checkpoint that does not belong to the run directory (copied in from another run), before
 * anything in the directory changes; returns the run's id.
 */
async function checkRunIdentity(dir: string, resume: ResumePoint): Promise<string> {
  const path = `${dir}/config.json`;
  let recorded: { runId?: unknown; envId?: unknown; config?: unknown };
  try {
    recorded = JSON.parse(await Deno.readTextFile(path));
  } catch (error) {
    throw new TypeError(
      `Cannot resume ${dir} as its config.json cannot be read, so the checkpoint cannot be matched to the run: ` +
        `current value is ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  const refuse = (what: string, theirs: unknown, ours: unknown) =>
    new TypeError(
      `Cannot resume ${dir} as ${latestCheckpointPath(dir)} belongs to another run: its ${what} is ` +
        `${JSON.stringify(theirs)} but the run directory's is ${JSON.stringify(ours)}: current value is ` +
        JSON.stringify(theirs),
    );
  const runId = typeof recorded.runId === "string" ? recorded.runId : null;
  if (runId !== null && resume.runId !== null && runId !== resume.runId) {
    throw refuse("run id", resume.runId, runId);
  }
  if (recorded.envId !== resume.envId) throw refuse("environment", resume.envId, recorded.envId);
  const ours = (recorded.config ?? {}) as Record<string, unknown>;
  const theirs = configToJson(resume.config);
  for (const key of new Set([...Object.keys(ours), ...Object.keys(theirs)])) {
    // A resumed run may be longer or run on another engine; everything else defines the run.
    if (key === "totalTimesteps" || key === "engine" || key === "backend") continue;
    if (JSON.stringify(ours[key]) !== JSON.stringify(theirs[key])) {
      throw refuse(`config ${key}`, theirs[key] ?? null, ours[key] ?? null);
    }
  }
  return runId ?? resume.runId ?? crypto.randomUUID();
}

/** Temporary files of an atomic rewrite that a kill interrupted; the originals beside them are intact. */
async function removeLeftoverTemporaries(dir: string): Promise<void> {
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile && entry.name.endsWith(".tmp")) await Deno.remove(`${dir}/${entry.name}`);
  }
}

/**
 * Keeps the metrics lines up to `iteration` (a run killed after its last checkpoint logged iterations it will
 * redo), rewriting the file atomically. A torn last line (power loss, full disk) is dropped with a warning; a
 * corrupt line before it is refused, naming the file and line.
 */
async function keepMetricsUpTo(
  path: string,
  iteration: number,
  warn: (message: string) => void,
): Promise<void> {
  if (!await exists(path)) return;
  const text = await Deno.readTextFile(path);
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  const kept: string[] = [];
  let changed = text.length > 0 && !text.endsWith("\n");
  for (const [index, line] of lines.entries()) {
    if (line.trim() === "") {
      changed = true;
      continue;
    }
    const lineIteration = parseIteration(line);
    if (lineIteration === null) {
      if (index === lines.length - 1) {
        warn(
          `ppo-flow: dropping the torn last line (line ${index + 1}) of ${path}: ${
            JSON.stringify(line.slice(0, 80))
          }`,
        );
        changed = true;
        continue;
      }
      throw new SyntaxError(
        `Cannot resume as line ${index + 1} of ${path} is not a metrics record: current value is ${
          JSON.stringify(line.slice(0, 80))
        }`,
      );
    }
    if (lineIteration <= iteration) kept.push(line);
    else changed = true;
  }
  if (changed) await writeFileAtomic(path, kept.map((line) => line + "\n").join(""));
}

function parseIteration(line: string): number | null {
  try {
    const record = JSON.parse(line) as { iteration?: unknown } | null;
    return typeof record?.iteration === "number" ? record.iteration : null;
  } catch {
    return null;
  }
}

/** Drops TensorBoard events after the checkpoint's step, which the resumed run logs again. */
async function keepEventsUpTo(
  dir: string,
  globalStep: number,
  warn: (message: string) => void,
): Promise<void> {
  for await (const entry of Deno.readDir(dir)) {
    if (!entry.isFile || !entry.name.startsWith("events.out.tfevents.")) continue;
    const path = `${dir}/${entry.name}`;
    try {
      await trimTensorBoardEvents(path, globalStep);
    } catch (error) {
      warn(
        `ppo-flow: left ${path} as it was: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
}

/** The best checkpoint's 100-episode mean return, so a resumed run only replaces it with a better policy. */
async function readBestReturn(dir: string, runId: string, warn: (message: string) => void): Promise<number> {
  const path = bestCheckpointPath(dir);
  if (!await exists(path)) return -Infinity;
  try {
    const { meta } = await loadTrainingCheckpoint(path, "read the best score of");
    if (meta.runId !== undefined && meta.runId !== runId) {
      warn(
        `ppo-flow: ${path} belongs to another run (run id ${meta.runId}); the next best checkpoint replaces it`,
      );
      return -Infinity;
    }
    return meta.meanReturn100 ?? -Infinity;
  } catch (error) {
    warn(
      `ppo-flow: ${path} cannot be read (${
        error instanceof Error ? error.message : String(error)
      }); the next best checkpoint replaces it`,
    );
    return -Infinity;
  }
}
