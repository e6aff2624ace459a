import { saveCheckpoint } from "../io/checkpoint.ts";
import { JsonlWriter } from "../logging/jsonl_writer.ts";
import { TensorBoardWriter } from "../logging/tensorboard_writer.ts";
import type { PpoConfig } from "../config/ppo_config.ts";
import type { IterationMetrics } from "../operators/types.ts";
import type { Agent } from "./create_agent.ts";
import { latestCheckpointPath, trainingMetadata, VERSIONS } from "./training_state.ts";

/**
 * The files of one run directory: `config.json`, `metrics.jsonl`, TensorBoard events and `checkpoints/`
 * (`latest.safetensors`, and `best.safetensors` by the 100-episode mean return).
 */
export class RunFiles {
  readonly dir: string;
  #metrics: JsonlWriter;
  #events: TensorBoardWriter;
  #bestReturn = -Infinity;

  private constructor(dir: string, metrics: JsonlWriter, events: TensorBoardWriter) {
    this.dir = dir;
    this.#metrics = metrics;
    this.#events = events;
  }

  /**
   * Creates (or, when resuming, reopens) a run directory and writes its `config.json`.
   *
   * @param dir The run directory.
   * @param config The resolved config.
   * @param agent Supplies the backend and spaces recorded in `config.json`.
   * @param resuming Append to an existing run instead of refusing to overwrite it.
   */
  static async open(dir: string, config: PpoConfig, agent: Agent, resuming: boolean): Promise<RunFiles> {
    if (!resuming && await exists(`${dir}/metrics.jsonl`)) {
      throw new RangeError(
        `Cannot start run as ${dir} already holds a run (use --resume or another --run-name): current value is ${dir}`,
      );
    }
    await Deno.mkdir(`${dir}/checkpoints`, { recursive: true });
    const description = {
      config,
      envId: agent.vecEnv.spec.id,
      backend: agent.engine.backend,
      observationSpace: agent.vecEnv.observationSpace.toJSON(),
      actionSpace: agent.vecEnv.actionSpace.toJSON(),
      parameters: agent.layout.size,
      versions: VERSIONS,
    };
    if (resuming) await dropMetricsAfter(`${dir}/metrics.jsonl`, agent.collector.policyVersion);
    await Deno.writeTextFile(`${dir}/config.json`, JSON.stringify(description, null, 2) + "\n");
    const metrics = await JsonlWriter.open(`${dir}/metrics.jsonl`, { append: resuming });
    const events = await TensorBoardWriter.open(dir);
    return new RunFiles(dir, metrics, events);
  }

  /** Appends one iteration's metrics to `metrics.jsonl` and the TensorBoard events. */
  async writeMetrics(metrics: IterationMetrics): Promise<void> {
    await this.#metrics.write(metrics);
    const scalars: Record<string, number> = {};
    for (const [key, value] of Object.entries(metrics)) {
      if (
        key !== "global_step" && key !== "iteration" && typeof value === "number" && Number.isFinite(value)
      ) {
        scalars[key] = value;
      }
    }
    this.#events.addScalars(metrics.global_step, scalars);
    await this.#events.flush();
  }

  /** Writes `latest.safetensors` (and `best.safetensors` on a new best mean return); returns the latest's path. */
  async saveCheckpoint(agent: Agent, recentReturns: number[], meanReturn100: number | null): Promise<string> {
    const engine = agent.engine;
    const checkpoint = {
      params: engine.getParams(),
      tensors: agent.layout.tensors,
      optimizer: engine.getOptimizerState(),
      metadata: { ...trainingMetadata(agent, recentReturns, meanReturn100) },
    };
    const latest = latestCheckpointPath(this.dir);
    await saveCheckpoint(latest, checkpoint);
    if (meanReturn100 !== null && meanReturn100 > this.#bestReturn) {
      this.#bestReturn = meanReturn100;
      await saveCheckpoint(`${this.dir}/checkpoints/best.safetensors`, checkpoint);
    }
    return latest;
  }

  /** Flushes and closes the metric files. */
  async close(): Promise<void> {
    await this.#metrics.close();
    await this.#events.close();
  }
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

/** Keeps the metrics lines up to `iteration`: a run killed after its last checkpoint logged iterations it will redo. */
async function dropMetricsAfter(path: string, iteration: number): Promise<void> {
  if (!await exists(path)) return;
  const lines = (await Deno.readTextFile(path)).split("\n").filter((line) => line.trim() !== "");
  const kept = lines.filter((line) => (JSON.parse(line) as { iteration: number }).iteration <= iteration);
  if (kept.length !== lines.length) await Deno.writeTextFile(path, kept.map((line) => line + "\n").join(""));
}
