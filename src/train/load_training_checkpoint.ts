import { loadCheckpoint } from "../io/checkpoint.ts";
import { type TrainingCheckpoint, trainingCheckpoint } from "./training_metadata.ts";

export type { TrainingCheckpoint } from "./training_metadata.ts";

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
  return trainingCheckpoint(await loadCheckpoint(path), path, action);
}
