import assert from "node:assert/strict";
import { decodeSafetensors, encodeSafetensors } from "../../src/io/safetensors.ts";

const encoder = new TextEncoder();

/** Builds a file from a raw header object, to test the decoder against hand-made (often broken) files. */
function rawFile(header: unknown, dataBytes: number, headerText = JSON.stringify(header)): Uint8Array {
  const json = encoder.encode(headerText);
  const bytes = new Uint8Array(8 + json.length + dataBytes);
  new DataView(bytes.buffer).setUint32(0, json.length, true);
  bytes.set(json, 8);
  return bytes;
}

Deno.test("encodeSafetensors() writes the documented layout byte for byte", () => {
  const bytes = encodeSafetensors(
    new Map([
      ["b", { shape: [2], data: new Float32Array([1, -2]) }],
      ["a", { shape: [1, 1], data: new Float32Array([0.5]) }],
    ]),
    { format: "pt" },
  );
  const headerLength = new DataView(bytes.buffer).getBigUint64(0, true);
  assert.equal(Number(headerLength) % 8, 0);
  const headerText = new TextDecoder().decode(bytes.subarray(8, 8 + Number(headerLength)));
  assert.equal(
    headerText.trimEnd(),
    '{"__metadata__":{"format":"pt"},"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},' +
      '"a":{"dtype":"F32","shape":[1,1],"data_offsets":[8,12]}}',
  );
  assert.match(headerText, /^[^ ]* *$/, "padding is spaces at the end");
  const data = bytes.subarray(8 + Number(headerLength));
  assert.deepEqual([...data], [0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0, 0, 0, 0, 0x3f]); // 1, -2, 0.5 little-endian
});

Deno.test("decodeSafetensors() round-trips tensors, empty tensors and metadata", () => {
  const weight = Float32Array.from({ length: 64 * 4 }, (_, i) => Math.sin(i));
  const bytes = encodeSafetensors({
    "actor.0.weight": { shape: [64, 4], data: weight },
    empty: { shape: [0, 3], data: new Float32Array(0) },
    scalar: { shape: [], data: new Float32Array([Number.NaN]) },
  }, { note: "héllo" });
  const decoded = decodeSafetensors(bytes);
  assert.deepEqual([...decoded.tensors.keys()], ["actor.0.weight", "empty", "scalar"]);
  assert.deepEqual(decoded.tensors.get("actor.0.weight"), { shape: [64, 4], data: weight });
  assert.deepEqual(decoded.tensors.get("empty"), { shape: [0, 3], data: new Float32Array(0) });
  assert.ok(Number.isNaN(decoded.tensors.get("scalar")!.data[0]));
  assert.deepEqual(decoded.metadata, { note: "héllo" });
  assert.equal(decoded.dataOffset % 8, 0);
  assert.deepEqual(decodeSafetensors(encodeSafetensors({})), {
    tensors: new Map(),
    metadata: {},
    dataOffset: 16,
  });
});

Deno.test("decodeSafetensors() reads a header written by another tool (unpadded, keys in any order)", () => {
  const bytes = rawFile({
    y: { data_offsets: [4, 8], shape: [1], dtype: "F32" },
    x: { dtype: "F32", shape: [1], data_offsets: [0, 4] },
  }, 8);
  new DataView(bytes.buffer).setFloat32(bytes.length - 8, 3, true);
  new DataView(bytes.buffer).setFloat32(bytes.length - 4, 4, true);
  const decoded = decodeSafetensors(bytes);
  assert.deepEqual([...decoded.tensors.keys()], ["x", "y"]);
  assert.deepEqual(decoded.tensors.get("y")!.data, new Float32Array([4]));
});

Deno.test("decodeSafetensors() names each problem of a broken file", () => {
  const t = (extra: Record<string, unknown>) => ({
    dtype: "F32",
    shape: [1],
    data_offsets: [0, 4],
    ...extra,
  });
  const cases: [Uint8Array, RegExp][] = [
    [new Uint8Array(5), /shorter than the 8-byte header length: current value is 5 bytes/],
    [
      (() => {
        const b = new Uint8Array(16);
        new DataView(b.buffer).setUint32(0, 9, true);
        return b;
      })(),
      /header length exceeds the 8 bytes after it: current value is 9/,
    ],
    [rawFile(null, 0, "{nope}"), /header is not valid UTF-8 JSON/],
    [rawFile([1], 0), /header must be a JSON object: current value is \[1\]/],
    [
      rawFile({ a: t({ dtype: "F16", data_offsets: [0, 2] }) }, 2),
      /tensor a has an unsupported dtype \(only F32 is\): current value is "F16"/,
    ],
    [
      rawFile({ a: t({ shape: [-1] }) }, 4),
      /tensor a must have a shape of non-negative integers: current value is \[-1\]/,
    ],
    [rawFile({ a: t({ data_offsets: [0] }) }, 4), /data_offsets \[begin, end\]/],
    [
      rawFile({ a: t({ data_offsets: [0, 8] }) }, 4),
      /tensor a has data_offsets outside the 4-byte data section: current value is \[0,8\]/,
    ],
    [
      rawFile({ a: t({ shape: [2] }) }, 4),
      /tensor a has shape \[2\] \(2 float32 values\) but 4 bytes of data/,
    ],
    [
      rawFile({ a: t({}), b: t({ data_offsets: [2, 6] }) }, 6),
      /tensor b overlaps the tensor before it \(its data should begin at byte 4\): current value is \[2,6\]/,
    ],
    [rawFile({ a: t({}), b: t({ data_offsets: [0, 4] }) }, 4), /tensor [ab] overlaps the tensor before it/],
    [
      rawFile({ a: t({ data_offsets: [4, 8] }) }, 8),
      /tensor a leaves a gap before it \(its data should begin at byte 0\)/,
    ],
    [rawFile({ a: t({}) }, 12), /the tensors cover 4 bytes of the 12-byte data section: current value is 4/],
    [rawFile({ __metadata__: { a: 1 } }, 0), /__metadata__\.a must be a string: current value is 1/],
    [rawFile({ a: 5 }, 0), /tensor a must be described by an object: current value is 5/],
  ];
  for (const [bytes, pattern] of cases) {
    assert.throws(() => decodeSafetensors(bytes, { source: "w.safetensors" }), (error: Error) => {
      assert.match(error.message, /^Cannot decode w\.safetensors as /);
      assert.match(error.message, pattern);
      return true;
    });
  }
});

Deno.test("encodeSafetensors() rejects shapes that do not match their data, and reserved names", () => {
  assert.throws(
    () => encodeSafetensors({ w: { shape: [2, 3], data: new Float32Array(5) } }),
    /Cannot encode safetensors as tensor w has shape \[2, 3\] but 5 values/,
  );
  assert.throws(
    () => encodeSafetensors({ __metadata__: { shape: [0], data: new Float32Array(0) } }),
    TypeError,
  );
  assert.throws(() => encodeSafetensors({ "": { shape: [0], data: new Float32Array(0) } }), /non-empty/);
  assert.throws(
    () => encodeSafetensors({}, { step: 7 as unknown as string }),
    /metadata step must be a string: current value is 7/,
  );
});
