import assert from "node:assert/strict";
import { TensorBoardWriter } from "../../src/logging/tensorboard_writer.ts";
import { readTensorBoardEvents } from "../../src/logging/tensorboard_reader.ts";

async function writeSample(dir: string): Promise<string> {
  const writer = await TensorBoardWriter.open(dir, { clock: () => 5000, hostname: "box" });
  writer.addScalars(10, { "losses/policy_loss": -0.5 });
  writer.addScalars(20, { "losses/policy_loss": -0.25 });
  await writer.close();
  return writer.path;
}

Deno.test("readTensorBoardEvents() reports a flipped data byte with the file and record offset", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = await writeSample(dir);
    const bytes = await Deno.readFile(path);
    const records = await readTensorBoardEvents(path);
    assert.equal(records.length, 3);
    const secondRecordOffset = 12 + new DataView(bytes.buffer).getUint32(0, true) + 4;
    bytes[secondRecordOffset + 14]! ^= 0x01;
    await Deno.writeFile(path, bytes);
    await assert.rejects(
      readTensorBoardEvents(path),
      (error: Error) =>
        error.message.includes(path) &&
        error.message.includes(`data CRC of the record at byte offset ${secondRecordOffset} does not match`),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readTensorBoardEvents() reports a flipped length byte", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = await writeSample(dir);
    const bytes = await Deno.readFile(path);
    bytes[0]! ^= 0x40;
    await Deno.writeFile(path, bytes);
    await assert.rejects(
      readTensorBoardEvents(path),
      /length CRC of the record at byte offset 0 does not match/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readTensorBoardEvents() rejects a truncated last record unless asked to allow it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = await writeSample(dir);
    const bytes = await Deno.readFile(path);
    await Deno.writeFile(path, bytes.subarray(0, bytes.length - 3));
    await assert.rejects(readTensorBoardEvents(path), /record at byte offset \d+ is truncated/);
    const events = await readTensorBoardEvents(path, { allowTruncatedTail: true });
    assert.deepEqual(events.map((e) => e.step), [0, 10]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
