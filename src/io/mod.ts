/**
 * Checkpoint files: the safetensors format (8-byte header length, JSON header, raw little-endian tensors),
 * checkpoints that add optimizer moments and run metadata to the weights and are written atomically, and the
 * CRC-32C checksum that TensorBoard's record format uses.
 *
 * @example Round-trip a tensor through safetensors bytes
 * ```ts
 * import { decodeSafetensors, encodeSafetensors } from "@ppo-flow/ppo-flow/io";
 * import assert from "node:assert/strict";
 *
 * const bytes = encodeSafetensors({ "value.bias": { shape: [1], data: Float32Array.of(0.5) } });
 * assert.deepEqual(decodeSafetensors(bytes).tensors.get("value.bias")?.data, Float32Array.of(0.5));
 * ```
 *
 * @module
 */
export {
  type Checkpoint,
  type CheckpointExpectation,
  type CheckpointFile,
  type CheckpointFileSystem,
  type CheckpointTensor,
  type JsonObject,
  type JsonValue,
  loadCheckpoint,
  saveCheckpoint,
  type SaveCheckpointOptions,
} from "./checkpoint.ts";
export {
  decodeCheckpoint,
  type DecodeCheckpointOptions,
  encodeCheckpoint,
  type EncodeCheckpointOptions,
} from "./checkpoint_bytes.ts";
export { crc32c } from "./crc32c.ts";
export {
  decodeSafetensors,
  type DecodeSafetensorsOptions,
  encodeSafetensors,
  type Safetensors,
  type SafetensorsTensor,
} from "./safetensors.ts";
