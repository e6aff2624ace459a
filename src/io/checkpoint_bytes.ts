/**
 * Checkpoint bytes: the pure half of checkpoints, without a file system, so that any JavaScript runtime (a
 * browser included) writes and reads the files `train()` saves. The layout is described in `checkpoint.ts`.
 *
 * @module
 */
import type { OptimizerState } from "../model/types.ts";
import { type JsonValue, toJsonValue } from "./_json.ts";
import { crc32c } from "./crc32c.ts";
import { decodeSafetensors, encodeSafetensors, type SafetensorsTensor } from "./safetensors.ts";

export type { JsonValue } from "./_json.ts";

/** A JSON object, as checkpoint metadata comes back. */
export type JsonObject = { readonly [key: string]: JsonValue };

/** Where a named tensor lives in the flat parameter vector; entries of `ParamLayout.tensors` fit. */
export interface CheckpointTensor {
  /** Layout name, e.g. `actor.0.weight`; also its name in the file. */
  readonly name: string;
  /** Dimensions; weights are `[out, in]`. */
  readonly shape: readonly number[];
  /** Index of its first value in the flat parameter vector. */
  readonly offset: number;
}

/**
 * Everything needed to resume a run.
 *
 * `metadata` holds the run's state as JSON. By convention: `config` (resolved config), `envId`,
 * `observationSpace` and `actionSpace`, `normalization` (observation and reward statistics), `rng`
 * (`Rng.getState()`), `globalStep`, `iteration`. {@linkcode loadCheckpoint} checks `envId` when asked.
 */
export interface Checkpoint<Metadata = JsonObject> {
  /** The flat parameter vector. */
  readonly params: Float32Array;
  /** The named tensors of `params`; they must tile it exactly. */
  readonly tensors: readonly CheckpointTensor[];
  /** Adam's moments (same layout as `params`) and step count. */
  readonly optimizer: OptimizerState;
  /** The run's state as JSON. */
  readonly metadata: Metadata;
}

/** What {@linkcode decodeCheckpoint} checks the checkpoint against. */
export interface CheckpointExpectation {
  /** The tensors the model expects, e.g. `paramLayout(config).tensors`: names and shapes must match exactly. */
  readonly tensors?: readonly { readonly name: string; readonly shape: readonly number[] }[];
  /** The environment id the run uses; compared with `metadata.envId`. */
  readonly envId?: string;
}

/** The checkpoint format this version writes and reads. */
const FORMAT_VERSION = "1";
const OPTIMIZER_PREFIX = "optimizer.";

/** The part of the `ppo_flow` metadata JSON that is not the user's. */
interface StoredState {
  readonly size: number;
  readonly layout: readonly (readonly [name: string, shape: readonly number[], offset: number])[];
  readonly optimizerStep: number;
  /** The critic group's Adam steps, when part-wise training made them differ from `optimizerStep`. */
  readonly criticOptimizerStep?: number;
  readonly metadata: JsonObject;
}

/** Options of {@linkcode encodeCheckpoint}. */
export interface EncodeCheckpointOptions {
  /** What the caller does, for error messages. @default {"encode a checkpoint"} */
  readonly action?: string;
}

/** Options of {@linkcode decodeCheckpoint}. */
export interface DecodeCheckpointOptions {
  /** What to call the bytes in error messages, usually a file's path or name. @default {"(bytes)"} */
  readonly source?: string;
  /** What the model and run expect. @default {{}} */
  readonly expected?: CheckpointExpectation;
}

/**
 * Encodes a checkpoint as the bytes of a safetensors file (format version 1, with its checksum): what
 * `saveCheckpoint` writes, for runtimes without a file system (a browser's download, say).
 *
 * @param checkpoint Parameters, their tensor layout, optimizer state and metadata. Metadata is converted
 * like `JSON.stringify` (`toJSON` honoured, numeric typed arrays become arrays) but non-finite numbers,
 * functions, bigints and cycles are refused, as JSON would silently corrupt them.
 * @param options What the caller does, for error messages.
 * @returns The file's bytes.
 * @throws {TypeError} When params or moments are not `Float32Array`s of the same length, or a tensor name is
 *   empty, repeated or reserved.
 * @throws {RangeError} When the tensors do not tile `params` exactly or a step count is not a non-negative
 *   integer.
 *
 * @example
 * ```ts
 * import { decodeCheckpoint, encodeCheckpoint } from "./checkpoint_bytes.ts";
 * import assert from "node:assert/strict";
 *
 * const params = Float32Array.of(1, 2, 3);
 * const bytes = encodeCheckpoint({
 *   params,
 *   tensors: [{ name: "value.weight", shape: [1, 2], offset: 0 }, { name: "value.bias", shape: [1], offset: 2 }],
 *   optimizer: { m: new Float32Array(3), v: new Float32Array(3), step: 4 },
 *   metadata: { envId: "CartPole-v1" },
 * });
 * const checkpoint = decodeCheckpoint(bytes, { expected: { envId: "CartPole-v1" } });
 * assert.deepEqual(checkpoint.params, params);
 * assert.equal(checkpoint.optimizer.step, 4);
 * ```
 */
export function encodeCheckpoint(
  checkpoint: Checkpoint<Readonly<Record<string, unknown>>>,
  options: EncodeCheckpointOptions = {},
): Uint8Array {
  const action = options.action ?? "encode a checkpoint";
  const { params, tensors, optimizer } = checkpoint;
  if (!(params instanceof Float32Array)) {
    throw new TypeError(
      `Cannot ${action} as params must be a Float32Array: current value is ${typeName(params)}`,
    );
  }
  for (const [key, moment] of [["m", optimizer.m], ["v", optimizer.v]] as const) {
    if (!(moment instanceof Float32Array) || moment.length !== params.length) {
      throw new TypeError(
        `Cannot ${action} as optimizer.${key} must be a Float32Array of ${params.length} values like params: ` +
          `current value is ${typeName(moment)}${
            moment instanceof Float32Array ? ` of ${moment.length}` : ""
          }`,
      );
    }
  }
  if (!Number.isSafeInteger(optimizer.step) || optimizer.step < 0) {
    throw new RangeError(
      `Cannot ${action} as optimizer.step must be a non-negative integer: current value is ${optimizer.step}`,
    );
  }
  const criticStep = optimizer.criticStep;
  if (criticStep !== undefined && (!Number.isSafeInteger(criticStep) || criticStep < 0)) {
    throw new RangeError(
      `Cannot ${action} as optimizer.criticStep must be a non-negative integer: current value is ${criticStep}`,
    );
  }
  const sorted = [...tensors].sort((a, b) => a.offset - b.offset);
  let covered = 0;
  const names = new Set<string>();
  for (const { name, shape, offset } of sorted) {
    if (name === "" || name.startsWith(OPTIMIZER_PREFIX) || names.has(name)) {
      throw new TypeError(
        `Cannot ${action} as tensor names must be unique, non-empty and not start with "${OPTIMIZER_PREFIX}": ` +
          `current value is ${JSON.stringify(name)}`,
      );
    }
    names.add(name);
    if (offset !== covered) {
      throw new RangeError(
        `Cannot ${action} as the tensors must tile params without gaps or overlaps, and tensor ${name} starts at ` +
          `${offset} instead of ${covered}: current value is ${offset}`,
      );
    }
    covered += shape.reduce((a, b) => a * b, 1);
  }
  if (covered !== params.length) {
    throw new RangeError(
      `Cannot ${action} as the tensors must cover all ${params.length} parameters: current value is ${covered}`,
    );
  }
  const metadata = toJsonValue(checkpoint.metadata, "metadata", action) as JsonObject;
  const state: StoredState = {
    size: params.length,
    layout: tensors.map(({ name, shape, offset }) => [name, [...shape], offset] as const),
    optimizerStep: optimizer.step,
    ...(criticStep === undefined || criticStep === optimizer.step ? {} : { criticOptimizerStep: criticStep }),
    metadata,
  };
  const stateJson = JSON.stringify(state);
  const entries = new Map<string, SafetensorsTensor>();
  for (const { name, shape, offset } of tensors) {
    const end = offset + shape.reduce((a, b) => a * b, 1);
    entries.set(name, { shape, data: params.subarray(offset, end) });
  }
  for (const [key, moment] of [["m", optimizer.m], ["v", optimizer.v]] as const) {
    for (const { name, shape, offset } of tensors) {
      const end = offset + shape.reduce((a, b) => a * b, 1);
      entries.set(`${OPTIMIZER_PREFIX}${key}.${name}`, { shape, data: moment.subarray(offset, end) });
    }
  }
  // The checksum covers the data section exactly as it lies in the file: encode once without metadata to get it.
  const body = encodeSafetensors(entries);
  const data = body.subarray(8 + new DataView(body.buffer).getUint32(0, true));
  return encodeSafetensors(entries, {
    format_version: FORMAT_VERSION,
    ppo_flow: stateJson,
    checksum: checksum(stateJson, entries, data),
  });
}

/** `crc32c:<hex>` over the format version, the state JSON, the tensor names and shapes in data order, and the data. */
function checksum(
  stateJson: string,
  tensors: ReadonlyMap<string, SafetensorsTensor>,
  data: Uint8Array,
): string {
  const index = [...tensors].map(([name, tensor]) => [name, tensor.shape]);
  const prefix = new TextEncoder().encode(JSON.stringify([FORMAT_VERSION, stateJson, index]));
  return `crc32c:${crc32c(data, crc32c(prefix)).toString(16).padStart(8, "0")}`;
}

function checkExpectation(
  layout: readonly CheckpointTensor[],
  metadata: JsonObject,
  expected: CheckpointExpectation,
  refuse: (reason: string) => Error,
): void {
  if (expected.envId !== undefined && metadata["envId"] !== expected.envId) {
    throw refuse(
      `it was saved for environment ${JSON.stringify(metadata["envId"] ?? null)} but the run uses ` +
        `${JSON.stringify(expected.envId)}: current value is ${JSON.stringify(metadata["envId"] ?? null)}`,
    );
  }
  if (expected.tensors === undefined) return;
  const saved = new Map(layout.map((tensor) => [tensor.name, tensor.shape]));
  for (const { name, shape } of expected.tensors) {
    const savedShape = saved.get(name);
    if (savedShape === undefined) throw refuse(`it lacks tensor ${name} that the model expects`);
    if (!sameShape(savedShape, shape)) {
      throw refuse(
        `tensor ${name} has shape ${formatShape(savedShape)} but the model expects ${formatShape(shape)}`,
      );
    }
  }
  const wanted = new Set(expected.tensors.map((tensor) => tensor.name));
  const extra = layout.find((tensor) => !wanted.has(tensor.name));
  if (extra !== undefined) throw refuse(`it has tensor ${extra.name} that the model does not expect`);
}

function isStoredState(value: unknown): value is StoredState {
  if (value === null || typeof value !== "object") return false;
  const { size, layout, optimizerStep, criticOptimizerStep, metadata } = value as Record<string, unknown>;
  return Number.isSafeInteger(size) && (size as number) >= 0 &&
    Number.isSafeInteger(optimizerStep) && (optimizerStep as number) >= 0 &&
    (criticOptimizerStep === undefined ||
      Number.isSafeInteger(criticOptimizerStep) && (criticOptimizerStep as number) >= 0) &&
    metadata !== null && typeof metadata === "object" && !Array.isArray(metadata) &&
    Array.isArray(layout) &&
    layout.every((entry) =>
      Array.isArray(entry) && entry.length === 3 && typeof entry[0] === "string" &&
      Array.isArray(entry[1]) && entry[1].every((d) => Number.isSafeInteger(d) && d >= 0) &&
      Number.isSafeInteger(entry[2]) && entry[2] >= 0 &&
      entry[2] + entry[1].reduce((a: number, b: number) => a * b, 1) <= (size as number)
    );
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function formatShape(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function typeName(value: unknown): string {
  return value === null || value === undefined
    ? String(value)
    : (value as object).constructor?.name ?? typeof value;
}

/**
 * Decodes the bytes of a checkpoint, refusing anything that does not check out: truncated or malformed bytes, a
 * checksum mismatch (a corrupt header or body), another format version, or, when `expected` says so, tensors
 * or an environment the model does not expect. Every error names the source.
 *
 * @param bytes The bytes of a file `saveCheckpoint` or {@linkcode encodeCheckpoint} wrote.
 * @param options The source's name for errors and what the model and run expect.
 * @returns The checkpoint, with metadata as plain JSON.
 * @throws {Error} When the bytes are not a valid checkpoint, or not the one expected (the message says why).
 *
 * @example
 * ```ts
 * import { decodeCheckpoint } from "./checkpoint_bytes.ts";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => decodeCheckpoint(new Uint8Array(4), { source: "upload.safetensors" }), /upload.safetensors/);
 * ```
 */
export function decodeCheckpoint(bytes: Uint8Array, options: DecodeCheckpointOptions = {}): Checkpoint {
  const source = options.source ?? "(bytes)";
  const expected = options.expected ?? {};
  const refuse = (reason: string, cause?: unknown) =>
    new Error(`Cannot load checkpoint ${source} as ${reason}`, cause === undefined ? undefined : { cause });
  let file;
  try {
    file = decodeSafetensors(bytes, { source });
  } catch (error) {
    throw refuse(`it is not a complete safetensors file (truncated or corrupt): ${describe(error)}`, error);
  }
  const version = file.metadata["format_version"];
  if (version !== FORMAT_VERSION) {
    throw refuse(
      `its format version is ${JSON.stringify(version ?? null)} but this version of ppo-flow reads ` +
        `"${FORMAT_VERSION}": current value is ${JSON.stringify(version ?? null)}`,
    );
  }
  const stateJson = file.metadata["ppo_flow"] ?? "";
  const stored = file.metadata["checksum"];
  const computed = checksum(stateJson, file.tensors, bytes.subarray(file.dataOffset));
  if (stored !== computed) {
    throw refuse(
      `its checksum does not match, so the file is corrupt: current value is ${stored}, computed ${computed}`,
    );
  }
  let state: StoredState;
  try {
    state = JSON.parse(stateJson) as StoredState;
  } catch (error) {
    throw refuse(`its ppo_flow metadata is not JSON: ${describe(error)}`, error);
  }
  if (!isStoredState(state)) {
    throw refuse(
      `its ppo_flow metadata lacks a valid size, layout, optimizerStep or metadata: current value is ${
        stateJson.slice(0, 200)
      }`,
    );
  }
  const layout = state.layout.map(([name, shape, offset]) => ({ name, shape, offset }));
  checkExpectation(layout, state.metadata, expected, refuse);
  const params = new Float32Array(state.size);
  const m = new Float32Array(state.size);
  const v = new Float32Array(state.size);
  const names = new Set<string>();
  for (const { name, shape, offset } of layout) {
    for (
      const [key, target] of [[name, params], [`${OPTIMIZER_PREFIX}m.${name}`, m], [
        `${OPTIMIZER_PREFIX}v.${name}`,
        v,
      ]] as const
    ) {
      const tensor = file.tensors.get(key);
      if (tensor === undefined) throw refuse(`it lacks tensor ${key} that its own layout lists`);
      if (!sameShape(tensor.shape, shape)) {
        throw refuse(
          `tensor ${key} has shape ${formatShape(tensor.shape)} but its layout says ${formatShape(shape)}`,
        );
      }
      target.set(tensor.data, offset);
      names.add(key);
    }
  }
  const extra = [...file.tensors.keys()].find((key) => !names.has(key));
  if (extra !== undefined) throw refuse(`it has tensor ${extra} that its layout does not list`);
  return {
    params,
    tensors: layout,
    optimizer: state.criticOptimizerStep === undefined
      ? { m, v, step: state.optimizerStep }
      : { m, v, step: state.optimizerStep, criticStep: state.criticOptimizerStep },
    metadata: state.metadata,
  };
}
