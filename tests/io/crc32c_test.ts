import assert from "node:assert/strict";
import { crc32c } from "../../src/io/crc32c.ts";

const encoder = new TextEncoder();

Deno.test("crc32c() matches the published check values", () => {
  assert.equal(crc32c(encoder.encode("123456789")), 0xe3069283);
  assert.equal(crc32c(new Uint8Array(0)), 0);
  // RFC 3720 (iSCSI) appendix B.4 vectors.
  assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa);
  assert.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43);
  assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i)), 0x46dd794e);
  assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i)), 0x113fdb5c);
});

Deno.test("crc32c() continues across pieces", () => {
  const bytes = encoder.encode("The quick brown fox jumps over the lazy dog");
  const whole = crc32c(bytes);
  for (const cut of [0, 1, 7, 20, bytes.length]) {
    assert.equal(crc32c(bytes.subarray(cut), crc32c(bytes.subarray(0, cut))), whole);
  }
});
