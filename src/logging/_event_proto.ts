// The few protobuf messages of a TensorBoard event file, encoded and decoded by hand (tensorflow/core/util/
// event.proto, summary.proto). Wire types: 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32.

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** An event as ppo-flow writes it: the file-version header, or one step's scalars. */
export interface EventFields {
  readonly wallTime: number;
  readonly step: number;
  readonly fileVersion?: string;
  readonly scalars?: Readonly<Record<string, number>>;
}

class ProtoWriter {
  #bytes = new Uint8Array(64);
  #length = 0;

  #reserve(n: number): void {
    if (this.#length + n <= this.#bytes.length) return;
    const grown = new Uint8Array(Math.max(this.#bytes.length * 2, this.#length + n));
    grown.set(this.#bytes.subarray(0, this.#length));
    this.#bytes = grown;
  }

  varint(value: number): void {
    this.#reserve(10);
    let v = value;
    while (v >= 0x80) {
      this.#bytes[this.#length++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.#bytes[this.#length++] = v;
  }

  key(field: number, wireType: number): void {
    this.varint(field * 8 + wireType);
  }

  double(field: number, value: number): void {
    this.key(field, 1);
    this.#reserve(8);
    new DataView(this.#bytes.buffer).setFloat64(this.#length, value, true);
    this.#length += 8;
  }

  float(field: number, value: number): void {
    this.key(field, 5);
    this.#reserve(4);
    new DataView(this.#bytes.buffer).setFloat32(this.#length, value, true);
    this.#length += 4;
  }

  bytes(field: number, value: Uint8Array): void {
    this.key(field, 2);
    this.varint(value.length);
    this.#reserve(value.length);
    this.#bytes.set(value, this.#length);
    this.#length += value.length;
  }

  finish(): Uint8Array {
    return this.#bytes.slice(0, this.#length);
  }
}

/** Encodes an `Event` message: wall_time (1), step (2), file_version (3), summary (5). */
export function encodeEvent(event: EventFields): Uint8Array {
  const out = new ProtoWriter();
  out.double(1, event.wallTime);
  if (event.step !== 0) {
    out.key(2, 0);
    out.varint(event.step);
  }
  if (event.fileVersion !== undefined) out.bytes(3, encoder.encode(event.fileVersion));
  if (event.scalars !== undefined) {
    const summary = new ProtoWriter();
    for (const [tag, value] of Object.entries(event.scalars)) {
      const item = new ProtoWriter();
      item.bytes(1, encoder.encode(tag));
      item.float(2, value);
      summary.bytes(1, item.finish());
    }
    out.bytes(5, summary.finish());
  }
  return out.finish();
}

class ProtoReader {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  #pos = 0;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get done(): boolean {
    return this.#pos >= this.#bytes.length;
  }

  #need(n: number): void {
    if (this.#pos + n > this.#bytes.length) throw new RangeError("message ends inside a field");
  }

  varint(): bigint {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      this.#need(1);
      const byte = this.#bytes[this.#pos++]!;
      result |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return BigInt.asUintN(64, result);
    }
    throw new RangeError("varint is longer than 10 bytes");
  }

  double(): number {
    this.#need(8);
    const value = this.#view.getFloat64(this.#pos, true);
    this.#pos += 8;
    return value;
  }

  float(): number {
    this.#need(4);
    const value = this.#view.getFloat32(this.#pos, true);
    this.#pos += 4;
    return value;
  }

  bytes(): Uint8Array {
    const length = Number(this.varint());
    this.#need(length);
    const value = this.#bytes.subarray(this.#pos, this.#pos + length);
    this.#pos += length;
    return value;
  }

  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 1) this.double();
    else if (wireType === 2) this.bytes();
    else if (wireType === 5) this.float();
    else throw new RangeError(`unsupported wire type ${wireType}`);
  }
}

/**
 * Decodes an `Event` message. Scalars come from `simple_value` (TensorBoard's classic scalars) or from a
 * one-element float/double `tensor` (TensorFlow 2 summaries); other values and fields are skipped.
 */
export function decodeEvent(bytes: Uint8Array): EventFields & { readonly scalars: Record<string, number> } {
  const reader = new ProtoReader(bytes);
  let wallTime = 0;
  let step = 0;
  let fileVersion: string | undefined;
  const scalars: Record<string, number> = {};
  while (!reader.done) {
    const key = Number(reader.varint());
    const field = key >>> 3;
    const wireType = key & 7;
    if (field === 1 && wireType === 1) wallTime = reader.double();
    else if (field === 2 && wireType === 0) step = Number(BigInt.asIntN(64, reader.varint()));
    else if (field === 3 && wireType === 2) fileVersion = decoder.decode(reader.bytes());
    else if (field === 5 && wireType === 2) decodeSummary(reader.bytes(), scalars);
    else reader.skip(wireType);
  }
  return fileVersion === undefined ? { wallTime, step, scalars } : { wallTime, step, fileVersion, scalars };
}

function decodeSummary(bytes: Uint8Array, scalars: Record<string, number>): void {
  const reader = new ProtoReader(bytes);
  while (!reader.done) {
    const key = Number(reader.varint());
    if (key >>> 3 === 1 && (key & 7) === 2) decodeValue(reader.bytes(), scalars);
    else reader.skip(key & 7);
  }
}

function decodeValue(bytes: Uint8Array, scalars: Record<string, number>): void {
  const reader = new ProtoReader(bytes);
  let tag: string | undefined;
  let value: number | undefined;
  while (!reader.done) {
    const key = Number(reader.varint());
    const field = key >>> 3;
    const wireType = key & 7;
    if (field === 1 && wireType === 2) tag = decoder.decode(reader.bytes());
    else if (field === 2 && wireType === 5) value = reader.float();
    else if (field === 8 && wireType === 2) value = decodeScalarTensor(reader.bytes()) ?? value;
    else reader.skip(wireType);
  }
  if (tag !== undefined && value !== undefined) scalars[tag] = value;
}

// TensorProto: dtype (1; DT_FLOAT = 1, DT_DOUBLE = 2), tensor_content (4), float_val (5), double_val (6).
function decodeScalarTensor(bytes: Uint8Array): number | undefined {
  const reader = new ProtoReader(bytes);
  let dtype = 0;
  const values: number[] = [];
  let content: Uint8Array | undefined;
  while (!reader.done) {
    const key = Number(reader.varint());
    const field = key >>> 3;
    const wireType = key & 7;
    if (field === 1 && wireType === 0) dtype = Number(reader.varint());
    else if (field === 4 && wireType === 2) content = reader.bytes();
    else if (field === 5 && wireType === 5) values.push(reader.float());
    else if (field === 6 && wireType === 1) values.push(reader.double());
    else if ((field === 5 || field === 6) && wireType === 2) {
      const packed = new ProtoReader(reader.bytes());
      while (!packed.done) values.push(field === 5 ? packed.float() : packed.double());
    } else reader.skip(wireType);
  }
  if (content !== undefined) {
    const view = new DataView(content.buffer, content.byteOffset, content.byteLength);
    if (dtype === 1 && content.length === 4) return view.getFloat32(0, true);
    if (dtype === 2 && content.length === 8) return view.getFloat64(0, true);
    return undefined;
  }
  return values.length === 1 ? values[0] : undefined;
}
