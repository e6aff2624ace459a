import { loadTrainingCheckpoint } from "./load_training_checkpoint.ts";
import type { JsonValue } from "../io/checkpoint.ts";
import type { Agent } from "./create_agent.ts";
import type { ResumePoint } from "./run_files.ts";

export { type TrainingMetadata, trainingMetadata, VERSIONS } from "./training_metadata.ts";

/** The latest checkpoint of a run directory, ready to restore into a freshly created agent. */
export interface LoadedTrainingState extends ResumePoint {
  readonly runDir: string;
  readonly recentReturns: number[];
  /** The stages' state, to continue from. */
  readonly stageState: Map<string, JsonValue>;
  restore(agent: Agent): void;
}

/** Where a run keeps its latest checkpoint. */
export function latestCheckpointPath(runDir: string): string {
  return `${runDir}/checkpoints/latest.safetensors`;
}

/**
 * Reads a run directory's latest checkpoint for `--resume` (the caller holds the directory's lock).
 *
 * @param runDir The run directory (`runs/<name>`).
 * @throws When the checkpoint is missing, corrupt, or not a training checkpoint.
 */
export async function loadTrainingState(runDir: string): Promise<LoadedTrainingState> {
  const path = latestCheckpointPath(runDir);
  const { checkpoint, meta } = await loadTrainingCheckpoint(path, "resume from");
  return {
    runDir,
    runId: meta.runId ?? null,
    envId: meta.envId,
    config: meta.config,
    iteration: meta.iteration,
    globalStep: meta.globalStep,
    recentReturns: [...meta.recentReturns],
    stageState: new Map(Object.entries(meta.stageState ?? {})),
    restore(agent: Agent) {
      const names = agent.layout.tensors.map((t) => `${t.name}[${t.shape.join(",")}]`).join(" ");
      const saved = checkpoint.tensors.map((t) => `${t.name}[${t.shape.join(",")}]`).join(" ");
      if (names !== saved) {
        throw new TypeError(
          `Cannot resume from ${path} as its tensors ${saved} do not match the model's ${names}`,
        );
      }
      agent.engine.setParams(checkpoint.params);
      agent.engine.setOptimizerState(checkpoint.optimizer);
      // Without a saved env state the envs keep the fresh episodes they started with.
      const obs = meta.vecEnv === null ? undefined : agent.vecEnv.setState(meta.vecEnv).obs;
      agent.collector.setState(meta.collector, obs);
      agent.shuffleRng.setState(meta.shuffleRng);
    },
  };
}
