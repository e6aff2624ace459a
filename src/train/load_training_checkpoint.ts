import { configFromJson } from "../config/config_from_json.ts";
import type { PpoConfig } from "../config/ppo_config.ts";
import { type Checkpoint, loadCheckpoint } from "../io/checkpoint.ts";
import type { TrainingMetadata } from "./training_state.ts";

/** A training checkpoint with its metadata checked and typed. */
export interface TrainingCheckpoint {
  readonly checkpoint: Checkpoint;
  readonly meta: TrainingMetadata;
}

/**
 * Loads a checkpoint that `train()` wrote, refusing any other safetensors file.
 *
 * @param path The checkpoint file.
 * @param action What the caller does with it, for the error message (`"evaluate"`, `"resume from"`, ...).
 * @returns The checkpoint and its training metadata.
 * @throws {TypeError} When the file is not a ppo-flow training checkpoint (and whatever `loadCheckpoint` throws
 *   for a missing, corrupt or truncated file).
 *
 * @example
 * ```ts ignore
 * const { checkpoint, meta } = await loadTrainingCheckpoint("runs/x/checkpoints/best.safetensors", "evaluate");
 * ```
 */
export async function loadTrainingCheckpoint(path: string, action: string): Promise<TrainingCheckpoint> {
  const checkpoint = await loadCheckpoint(path);
  const meta = checkpoint.metadata as unknown as Partial<TrainingMetadata>;
  if (meta.kind !== "ppo-flow/training" || meta.config === undefined || meta.collector === undefined) {
    throw new TypeError(
      `Cannot ${action} ${path} as it is not a ppo-flow training checkpoint: current value is ${meta.kind}`,
    );
  }
  // The config's non-finite numbers are stored as strings (JSON has no Infinity).
  const config = configFromJson(meta.config) as PpoConfig;
  return { checkpoint, meta: { ...meta, config } as TrainingMetadata };
}
