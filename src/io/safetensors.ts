/**
 * The safetensors file layout for `Float32Array` tensors: an 8-byte little-endian header length, a JSON
 * header (`{name: {dtype, shape, data_offsets}, "__metadata__": {string: string}}`, padded with spaces to a
 * multiple of 8 bytes), then the raw little-endian tensor bytes, contiguous. Files written here open in
 * Hugging Face's `safetensors` and other readers; reading accepts any such file whose tensors are all `F32`.
 *
 * @module
 */

/** One tensor: row-major float32 data and its shape. */
export interface SafetensorsTensor {
  /** Dimensions, outermost first; `[]` for a scalar. */
  readonly shape: readonly number[];
  /** The values, row-major; as many as the product of `shape`. */
  readonly data: Float32Array;
}

/** A decoded safetensors file. */
export interface Safetensors {
  /** Tensors by name, in the order of their data in the file. */
  readonly tensors: Map<string, SafetensorsTensor>;
  /** The `__metadata__` string map (empty when the file has none). */
  readonly metadata: Record<string, string>;
  /** Byte offset where the data section starts (8 + header length). */
  readonly dataOffset: number;
}

/** Options of {@linkcode decodeSafetensors}. */
export interface DecodeSafetensorsOptions {
  /** What to call the bytes in error messages, usually the file path. @default {"safetensors data"} */
  readonly source?: string;
}

const METADATA_KEY = "__metadata__";
/** Header size limit, as the reference implementation, so a corrupt length cannot make us parse gigabytes. */
const MAX_HEADER_BYTES = 100_000_000;
const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const encoder = new TextEncoder();

/**
 * Encodes float32 tensors and string metadata as safetensors bytes. Data is laid out in the order given.
 *
 * @param tensors Tensors by name (a `Map` or a plain object).
 * @param metadata The `__metadata__` string map. @default {{}}
 * @returns The file's bytes.
 * @throws {TypeError} when a name is empty or `__metadata__`, a shape does not match its data length, or a
 * metadata value is not a string.
 *
 * @example
 * ```ts
 * import { decodeSafetensors, encodeSafetensors } from "./safetensors.ts";
 * import assert from "node:assert/strict";
 *
 * const bytes = encodeSafetensors({ "actor.0.bias": { shape: [2], data: new Float32Array([1, 2]) } }, { step: "7" });
 * const decoded = decodeSafetensors(bytes);
 * assert.deepEqual(decoded.tensors.get("actor.0.bias")?.data, new Float32Array([1, 2]));
 * assert.equal(decoded.metadata.step, "7");
 * ```
 */
export function encodeSafetensors(
  tensors: ReadonlyMap<string, SafetensorsTensor> | Readonly<Record<string, SafetensorsTensor>>,
  metadata: Readonly<Record<string, string>> = {},
): Uint8Array {
  const entries = tensors instanceof Map ? [...tensors] : Object.entries(tensors);
  const header: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== "string") {
      throw new TypeError(
        `Cannot encode safetensors as metadata ${key} must be a string: current value is ${String(value)}`,
      );
    }
  }
  if (Object.keys(metadata).length > 0) header[METADATA_KEY] = metadata;
  let offset = 0;
  for (const [name, tensor] of entries) {
    if (name === "" || name === METADATA_KEY) {
      throw new TypeError(
        `Cannot encode safetensors as a tensor name must be non-empty and not ${METADATA_KEY}: current value is ${
          JSON.stringify(name)
        }`,
      );
    }
    if (!(tensor.data instanceof Float32Array)) {
      throw new TypeError(`Cannot encode safetensors as tensor ${name} must hold a Float32Array`);
    }
    const count = shapeProduct(tensor.shape);
    if (count === undefined || count !== tensor.data.length) {
      throw new TypeError(
        `Cannot encode safetensors as tensor ${name} has shape [${
          tensor.shape.join(", ")
        }] but ${tensor.data.length} ` +
          `values: current value is ${JSON.stringify(tensor.shape)}`,
      );
    }
    header[name] = { dtype: "F32", shape: [...tensor.shape], data_offsets: [offset, offset + count * 4] };
    offset += count * 4;
  }
  const json = encoder.encode(JSON.stringify(header));
  const headerLength = Math.ceil(json.length / 8) * 8;
  const bytes = new Uint8Array(8 + headerLength + offset);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, headerLength, true);
  bytes.set(json, 8);
  bytes.fill(0x20, 8 + json.length, 8 + headerLength);
  let position = 8 + headerLength;
  for (const [, tensor] of entries) {
    writeFloat32(bytes, position, tensor.data);
    position += tensor.data.length * 4;
  }
  return bytes;
}

/**
 * Decodes safetensors bytes, validating the whole layout: the header length fits the file, the header is a
 * JSON object, every tensor has dtype `F32`, a shape of non-negative integers whose product matches its byte
 * length, and data offsets that tile the data section exactly (in range, contiguous, no overlap, no trailing
 * bytes), and `__metadata__` is a string map. Tensor data is copied out of `bytes`.
 *
 * @param bytes The file's bytes.
 * @param options The name used in error messages.
 * @returns Tensors, metadata and where the data section starts.
 * @throws {RangeError} or {TypeError} naming the source and the problem.
 *
 * @example
 * ```ts
 * import { decodeSafetensors } from "./safetensors.ts";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => decodeSafetensors(new Uint8Array(4), { source: "w.safetensors" }), /w\.safetensors/);
 * ```
 */
export function decodeSafetensors(bytes: Uint8Array, options: DecodeSafetensorsOptions = {}): Safetensors {
  const source = options.source ?? "safetensors data";
  const fail = (
    reason: string,
    value: unknown,
    ErrorType: typeof RangeError | typeof TypeError = RangeError,
  ) => new ErrorType(`Cannot decode ${source} as ${reason}: current value is ${value}`);
  if (bytes.length < 8) throw fail("it is shorter than the 8-byte header length", `${bytes.length} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(0, true) + view.getUint32(4, true) * 0x100000000;
  if (headerLength > bytes.length - 8 || headerLength > MAX_HEADER_BYTES) {
    throw fail(`the header length exceeds the ${bytes.length - 8} bytes after it`, headerLength);
  }
  let header: unknown;
  try {
    header = JSON.parse(
      new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + headerLength)),
    );
  } catch (error) {
    throw fail("the header is not valid UTF-8 JSON", error instanceof Error ? error.message : String(error));
  }
  if (header === null || typeof header !== "object" || Array.isArray(header)) {
    throw fail("the header must be a JSON object", JSON.stringify(header), TypeError);
  }
  const dataOffset = 8 + headerLength;
  const dataLength = bytes.length - dataOffset;
  const metadata: Record<string, string> = {};
  const entries: { name: string; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, info] of Object.entries(header)) {
    if (name === METADATA_KEY) {
      if (info === null || typeof info !== "object" || Array.isArray(info)) {
        throw fail(`${METADATA_KEY} must be an object of strings`, JSON.stringify(info), TypeError);
      }
      for (const [key, value] of Object.entries(info)) {
        if (typeof value !== "string") {
          throw fail(`${METADATA_KEY}.${key} must be a string`, JSON.stringify(value), TypeError);
        }
        metadata[key] = value;
      }
      continue;
    }
    if (info === null || typeof info !== "object" || Array.isArray(info)) {
      throw fail(`tensor ${name} must be described by an object`, JSON.stringify(info), TypeError);
    }
    const { dtype, shape, data_offsets: offsets } = info as Record<string, unknown>;
    if (dtype !== "F32") {
      throw fail(`tensor ${name} has an unsupported dtype (only F32 is)`, JSON.stringify(dtype), TypeError);
    }
    if (!Array.isArray(shape) || shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
      throw fail(
        `tensor ${name} must have a shape of non-negative integers`,
        JSON.stringify(shape),
        TypeError,
      );
    }
    if (
      !Array.isArray(offsets) || offsets.length !== 2 ||
      offsets.some((o) => !Number.isSafeInteger(o) || o < 0)
    ) {
      throw fail(
        `tensor ${name} must have data_offsets [begin, end] of non-negative integers`,
        JSON.stringify(offsets),
        TypeError,
      );
    }
    const [begin, end] = offsets as [number, number];
    if (begin > end || end > dataLength) {
      throw fail(
        `tensor ${name} has data_offsets outside the ${dataLength}-byte data section`,
        JSON.stringify(offsets),
      );
    }
    const count = shapeProduct(shape as number[]);
    if (count === undefined || count * 4 !== end - begin) {
      throw fail(
        `tensor ${name} has shape ${JSON.stringify(shape)} (${count ?? "too many"} float32 values) but ${
          end - begin
        } bytes of data`,
        JSON.stringify(offsets),
      );
    }
    entries.push({ name, shape: shape as number[], begin, end });
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expectedBegin = 0;
  for (const entry of entries) {
    if (entry.begin !== expectedBegin) {
      throw fail(
        `tensor ${entry.name} ${
          entry.begin < expectedBegin ? "overlaps the tensor before it" : "leaves a gap before it"
        } ` +
          `(its data should begin at byte ${expectedBegin})`,
        JSON.stringify([entry.begin, entry.end]),
      );
    }
    expectedBegin = entry.end;
  }
  if (expectedBegin !== dataLength) {
    throw fail(
      `the tensors cover ${expectedBegin} bytes of the ${dataLength}-byte data section`,
      expectedBegin,
    );
  }
  const tensors = new Map<string, SafetensorsTensor>();
  for (const { name, shape, begin, end } of entries) {
    tensors.set(name, { shape, data: readFloat32(bytes, dataOffset + begin, (end - begin) / 4) });
  }
  return { tensors, metadata, dataOffset };
}

function shapeProduct(shape: readonly number[]): number | undefined {
  let product = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) return undefined;
    product *= d;
  }
  return Number.isSafeInteger(product) ? product : undefined;
}

function writeFloat32(target: Uint8Array, offset: number, data: Float32Array): void {
  if (HOST_IS_LITTLE_ENDIAN) {
    target.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), offset);
    return;
  }
  const view = new DataView(target.buffer, target.byteOffset);
  for (let i = 0; i < data.length; i++) view.setFloat32(offset + i * 4, data[i]!, true);
}

function readFloat32(source: Uint8Array, offset: number, count: number): Float32Array {
  const data = new Float32Array(count);
  if (HOST_IS_LITTLE_ENDIAN) {
    new Uint8Array(data.buffer).set(source.subarray(offset, offset + count * 4));
    return data;
  }
  const view = new DataView(source.buffer, source.byteOffset);
  for (let i = 0; i < count; i++) data[i] = view.getFloat32(offset + i * 4, true);
  return data;
}
