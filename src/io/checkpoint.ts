/**
 * Checkpoints: a run's weights, Adam moments and state in one safetensors file, written atomically.
 *
 * File layout (format version 1): every parameter tensor under its layout name (`actor.0.weight`), Adam's
 * moments as `optimizer.m.<name>` and `optimizer.v.<name>`, and in `__metadata__`: `format_version` (`"1"`),
 * `ppo_flow` (JSON: the run's metadata, the tensor layout with flat-vector offsets and the optimizer step)
 * and `checksum` (`crc32c:<8 hex digits>` over the format version, `ppo_flow`, the tensor names and shapes
 * and the whole data section), so a corrupt header or body is refused rather than loaded.
 *
 * @module
 */

import { basename, dirname, join } from "node:path";
import {
  type Checkpoint,
  type CheckpointExpectation,
  decodeCheckpoint,
  encodeCheckpoint,
} from "./checkpoint_bytes.ts";

export type { JsonValue } from "./_json.ts";
export type { Checkpoint, CheckpointExpectation, CheckpointTensor, JsonObject } from "./checkpoint_bytes.ts";

/** An open file being written, as {@linkcode CheckpointFileSystem.createNew} returns it; `Deno.FsFile` fits. */
export interface CheckpointFile {
  /** Writes some of `bytes`, resolving to how many. */
  write(bytes: Uint8Array): Promise<number>;
  /** Flushes the file's data to the disk (fsync). */
  sync(): Promise<void>;
  /** Releases the file. */
  close(): void;
}

/** The file operations {@linkcode saveCheckpoint} uses, replaceable for tests (a full disk, say). */
export interface CheckpointFileSystem {
  /** Creates `path`, failing if it exists. */
  createNew(path: string): Promise<CheckpointFile>;
  /** Atomically replaces `to` with `from`. */
  rename(from: string, to: string): Promise<void>;
  /** Deletes a file. */
  remove(path: string): Promise<void>;
  /** Creates a directory and its parents, succeeding if it exists. */
  mkdir(path: string): Promise<void>;
  /** Lists a directory's entries (`Deno.readDir` fits). */
  readDir(path: string): AsyncIterable<{ readonly name: string; readonly isFile: boolean }>;
}

/** Options of {@linkcode saveCheckpoint}. */
export interface SaveCheckpointOptions {
  /** Operations to use instead of Deno's; missing ones fall back to Deno's. @default {Deno's file system} */
  readonly fileSystem?: Partial<CheckpointFileSystem>;
}

const denoFileSystem: CheckpointFileSystem = {
  createNew: (path) => Deno.open(path, { write: true, createNew: true }),
  async rename(from, to) {
    await Deno.rename(from, to);
    await syncDirectory(dirname(to));
  },
  remove: (path) => Deno.remove(path),
  mkdir: (path) => Deno.mkdir(path, { recursive: true }),
  readDir: (path) => Deno.readDir(path),
};

/**
 * Saves a checkpoint atomically: encodes it, writes a uniquely named temporary file next to `path`, syncs
 * it to disk and renames it over `path`. On any failure (a full disk, a missing permission) the temporary
 * file is removed, whatever was at `path` before is left as it was, and the error names `path` and the
 * cause. The directory is created if needed. Temporary files that an interrupted save of the same `path` left
 * behind (`<path>.<16 hex digits>.tmp`, from a killed process, say) are removed first, so two processes must
 * not save the same path at once.
 *
 * @param path The file to write, e.g. `runs/<run-name>/checkpoints/latest.safetensors`.
 * @param checkpoint Parameters, their tensor layout, optimizer state and metadata. Metadata is converted
 * like `JSON.stringify` (`toJSON` honoured, numeric typed arrays become arrays) but non-finite numbers,
 * functions, bigints and cycles are refused, as JSON would silently corrupt them.
 * @param options A replacement file system, for tests.
 * @returns A promise that resolves once the checkpoint is durably at `path`.
 *
 * @example
 * ```ts ignore
 * import { saveCheckpoint } from "./checkpoint.ts";
 *
 * await saveCheckpoint("runs/cartpole/checkpoints/latest.safetensors", {
 *   params: engine.getParams(),
 *   tensors: engine.layout.tensors,
 *   optimizer: engine.getOptimizerState(),
 *   metadata: { envId: "CartPole-v1", globalStep, iteration, rng: rng.getState(), config },
 * });
 * ```
 */
export async function saveCheckpoint(
  path: string,
  checkpoint: Checkpoint<Readonly<Record<string, unknown>>>,
  options: SaveCheckpointOptions = {},
): Promise<void> {
  const bytes = encodeCheckpoint(checkpoint, { action: `save checkpoint ${path}` });
  const fs: CheckpointFileSystem = { ...denoFileSystem, ...options.fileSystem };
  const fail = (stage: string, cause: unknown) =>
    new Error(`Cannot save checkpoint ${path} as ${stage} failed: ${describe(cause)}`, { cause });
  try {
    await fs.mkdir(dirname(path));
  } catch (error) {
    throw fail(`creating the directory ${dirname(path)}`, error);
  }
  await removeLeftoverTemporaries(fs, path);
  const random = crypto.getRandomValues(new Uint32Array(2));
  const temporary = `${path}.${[...random].map((word) => word.toString(16).padStart(8, "0")).join("")}.tmp`;
  let file: CheckpointFile;
  try {
    file = await fs.createNew(temporary);
  } catch (error) {
    throw fail(`creating the temporary file ${temporary}`, error);
  }
  let stage = `writing the temporary file ${temporary}`;
  try {
    try {
      let written = 0;
      while (written < bytes.length) written += await file.write(bytes.subarray(written));
      await file.sync();
    } finally {
      file.close();
    }
    stage = `renaming ${temporary} over it`;
    await fs.rename(temporary, path);
  } catch (error) {
    try {
      await fs.remove(temporary);
    } catch {
      // The original error matters more; the temporary file's name ends in .tmp for a later clean-up.
    }
    throw fail(stage, error);
  }
}

/**
 * Loads a checkpoint written by {@linkcode saveCheckpoint}, refusing anything that does not check out: a
 * truncated or malformed file, a checksum mismatch (a corrupt header or body), another format version, or,
 * when `expected` says so, tensors or an environment the model does not expect. Every error names the file.
 *
 * @param path The checkpoint file.
 * @param expected What the model and run expect.
 * @returns The checkpoint, with metadata as plain JSON.
 *
 * @example
 * ```ts ignore
 * import { loadCheckpoint } from "./checkpoint.ts";
 *
 * const checkpoint = await loadCheckpoint("runs/cartpole/checkpoints/latest.safetensors", {
 *   tensors: engine.layout.tensors,
 *   envId: "CartPole-v1",
 * });
 * engine.setParams(checkpoint.params);
 * engine.setOptimizerState(checkpoint.optimizer);
 * ```
 */
export async function loadCheckpoint(
  path: string,
  expected: CheckpointExpectation = {},
): Promise<Checkpoint> {
  const refuse = (reason: string, cause?: unknown) =>
    new Error(`Cannot load checkpoint ${path} as ${reason}`, cause === undefined ? undefined : { cause });
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (error) {
    throw refuse(`the file cannot be read: ${describe(error)}`, error);
  }
  return decodeCheckpoint(bytes, { source: path, expected });
}

/**
 * Removes the temporary files of earlier saves of `path` that never reached their rename. Best effort: a file
 * that cannot be listed or removed only costs disk space, and must not stop this save.
 */
async function removeLeftoverTemporaries(fs: CheckpointFileSystem, path: string): Promise<void> {
  const directory = dirname(path);
  const prefix = `${basename(path)}.`;
  const leftovers: string[] = [];
  try {
    for await (const entry of fs.readDir(directory)) {
      const suffix = entry.name.slice(prefix.length);
      if (entry.isFile && entry.name.startsWith(prefix) && /^[0-9a-f]{16}\.tmp$/.test(suffix)) {
        leftovers.push(join(directory, entry.name));
      }
    }
  } catch {
    return;
  }
  for (const leftover of leftovers) {
    try {
      await fs.remove(leftover);
    } catch {
      // Another process may have removed it first; the save goes on either way.
    }
  }
}

/** Makes a rename durable where the platform allows opening a directory (not Windows); best effort elsewhere. */
async function syncDirectory(path: string): Promise<void> {
  let directory: Deno.FsFile | undefined;
  try {
    directory = await Deno.open(path, { read: true });
    await directory.sync();
  } catch {
    // Opening or syncing a directory is unsupported on some platforms; the rename itself is still atomic.
  } finally {
    directory?.close();
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
