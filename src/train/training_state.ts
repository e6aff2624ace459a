import { loadTrainingCheckpoint } from "./load_training_checkpoint.ts";
import type { PpoConfig } from "../config/ppo_config.ts";
import type { CollectorState } from "../operators/collector.ts";
import type { RngState } from "../core/rng.ts";
import type { VecEnvState } from "../envs/vec_env.ts";
import type { JsonValue } from "../io/checkpoint.ts";
import type { Agent } from "./create_agent.ts";
import type { ResumePoint } from "./run_files.ts";

/** The JSON metadata a training checkpoint carries besides its tensors. */
export interface TrainingMetadata {
  readonly kind: "ppo-flow/training";
  /** The run this checkpoint belongs to (absent in checkpoints written before run ids). */
  readonly runId?: string;
  readonly config: PpoConfig;
  readonly envId: string;
  readonly observationSpace: unknown;
  readonly actionSpace: unknown;
  readonly backend: string;
  readonly collector: CollectorState;
  readonly shuffleRng: { words: RngState; spareNormal: number | null };
  /** The envs' exact states, or null when an env cannot save its state (some user-defined ones). */
  readonly vecEnv: VecEnvState | null;
  readonly recentReturns: number[];
  readonly meanReturn100: number | null;
  /** The stages' state by key (absent in checkpoints written before replaceable stages). */
  readonly stageState?: Readonly<Record<string, JsonValue>>;
  readonly globalStep: number;
  readonly iteration: number;
  readonly versions: Readonly<Record<string, string>>;
}

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

/** Captures everything needed to resume: metadata for the checkpoint's JSON header. */
export function trainingMetadata(
  agent: Agent,
  recentReturns: number[],
  meanReturn100: number | null,
  runId: string,
  stageState: ReadonlyMap<string, JsonValue> = new Map(),
): TrainingMetadata {
  const { collector, vecEnv, config, engine } = agent;
  return {
    kind: "ppo-flow/training",
    runId,
    config,
    envId: vecEnv.spec.id,
    observationSpace: vecEnv.observationSpace.toJSON(),
    actionSpace: vecEnv.actionSpace.toJSON(),
    backend: engine.backend,
    collector: collector.getState(),
    shuffleRng: agent.shuffleRng.getState(),
    vecEnv: vecEnv.getState(),
    recentReturns: [...recentReturns],
    meanReturn100,
    stageState: Object.fromEntries(stageState),
    globalStep: collector.globalStep,
    iteration: collector.policyVersion,
    versions: VERSIONS,
  };
}

/** Versions recorded in config.json and checkpoints. */
export const VERSIONS: Readonly<Record<string, string>> = Object.freeze({
  "ppo-flow": "0.1.0",
  deno: Deno.version.deno,
  rxjs: "7.8.2",
  "gpu.js": "2.24.1",
});

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
