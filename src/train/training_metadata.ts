/**
 * What a training checkpoint records besides its tensors, and the check that a checkpoint is one: the part of
 * checkpoints that needs no file system, shared by `train()` and the browser build.
 *
 * @module
 */
import { configFromJson } from "../config/config_from_json.ts";
import type { PpoConfig } from "../config/ppo_config.ts";
import type { RngState } from "../core/rng.ts";
import type { VecEnvState } from "../envs/vec_env.ts";
import type { Checkpoint, JsonValue } from "../io/checkpoint_bytes.ts";
import type { EngineName } from "../model/engines.ts";
import type { CollectorState } from "../operators/collector.ts";
import type { Agent } from "./create_agent.ts";

/** The JSON metadata a training checkpoint carries besides its tensors. */
export interface TrainingMetadata {
  readonly kind: "ppo-flow/training";
  /** The run this checkpoint belongs to (absent in checkpoints written before run ids). */
  readonly runId?: string;
  readonly config: PpoConfig;
  readonly envId: string;
  readonly observationSpace: unknown;
  readonly actionSpace: unknown;
  /** The engine that ran (checkpoints written before engines had their name hold only `backend`). */
  readonly engine?: EngineName;
  /** The gpu.js backend of the `gpujs` engine (or, in an older checkpoint, the engine's name). */
  readonly backend?: string;
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

/** Captures everything needed to resume: metadata for the checkpoint's JSON header. */
export function trainingMetadata(
  agent: Agent,
  recentReturns: readonly number[],
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
    engine: engine.engine,
    ...(engine.backend === undefined ? {} : { backend: engine.backend }),
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
  // A browser has no Deno global; its checkpoints say so.
  deno: typeof Deno === "undefined" ? "none" : Deno.version.deno,
  rxjs: "7.8.2",
  "gpu.js": "2.24.1",
});

/** A training checkpoint with its metadata checked and typed. */
export interface TrainingCheckpoint {
  /** The decoded checkpoint. */
  readonly checkpoint: Checkpoint;
  /** Its training metadata, config converted back from JSON. */
  readonly meta: TrainingMetadata;
}

/**
 * Checks that a decoded checkpoint is one `train()` wrote and types its metadata.
 *
 * @param checkpoint A decoded checkpoint (`loadCheckpoint`, `decodeCheckpoint`).
 * @param source The file's path or name, for the error message.
 * @param action What the caller does with it, for the error message (`"evaluate"`, `"resume from"`, ...).
 * @returns The checkpoint and its training metadata.
 * @throws {TypeError} When the checkpoint is not a ppo-flow training checkpoint.
 */
export function trainingCheckpoint(
  checkpoint: Checkpoint,
  source: string,
  action: string,
): TrainingCheckpoint {
  const meta = checkpoint.metadata as unknown as Partial<TrainingMetadata>;
  if (meta.kind !== "ppo-flow/training" || meta.config === undefined || meta.collector === undefined) {
    throw new TypeError(
      `Cannot ${action} ${source} as it is not a ppo-flow training checkpoint: current value is ${meta.kind}`,
    );
  }
  // The config's non-finite numbers are stored as strings (JSON has no Infinity).
  const config = configFromJson(meta.config) as PpoConfig;
  return { checkpoint, meta: { ...meta, config } as TrainingMetadata };
}
