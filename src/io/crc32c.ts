/**
 * CRC-32C (Castagnoli), the checksum of TFRecord framing and of ppo-flow checkpoints.
 *
 * @module
 */

// Reflected Castagnoli polynomial 0x1EDC6F41.
const POLYNOMIAL = 0x82f63b78;

const TABLE: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLYNOMIAL : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/**
 * Computes the CRC-32C (Castagnoli) checksum of `bytes`, table-driven, one byte at a time.
 *
 * Pass the result of a previous call as `previous` to checksum data that arrives in pieces: `crc32c(b,
 * crc32c(a))` equals `crc32c(a + b)`.
 *
 * @param bytes The data to checksum.
 * @param previous The checksum of the data before `bytes`. @default {0}
 * @returns The checksum as an unsigned 32-bit integer.
 *
 * @example
 * ```ts
 * import { crc32c } from "./crc32c.ts";
 * import assert from "node:assert/strict";
 *
 * const bytes = new TextEncoder().encode("123456789");
 * assert.equal(crc32c(bytes), 0xe3069283);
 * assert.equal(crc32c(bytes.subarray(4), crc32c(bytes.subarray(0, 4))), 0xe3069283);
 * ```
 */
export function crc32c(bytes: Uint8Array, previous = 0): number {
  let crc = ~previous >>> 0;
  for (let i = 0; i < bytes.length; i++) {
    crc = TABLE[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  }
  return ~crc >>> 0;
}
