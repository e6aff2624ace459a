import assert from "node:assert/strict";
import { JsonlWriter, type OpenLogFile } from "../../src/logging/jsonl_writer.ts";
import { readTensorBoardEvents } from "../../src/logging/tensorboard_reader.ts";
import { TensorBoardWriter } from "../../src/logging/tensorboard_writer.ts";

/** Real files on a "disk" that fills up after `budget` bytes, taking part of the write that overflows it. */
function diskFullAfter(budget: number): OpenLogFile {
  return async (path, options) => {
    const file = await Deno.open(path, options);
    let left = budget;
    return {
      async write(bytes: Uint8Array): Promise<number> {
        if (left <= 0) throw new Error("No space left on device (os error 28)");
        const n = await file.write(bytes.subarray(0, Math.min(left, bytes.length)));
        left -= n;
        return n;
      },
      truncate: (length?: number) => file.truncate(length),
      stat: () => file.stat(),
      close: () => file.close(),
    };
  };
}

Deno.test("JsonlWriter on a full disk names the file and leaves no half line", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/metrics.jsonl`;
    const writer = await JsonlWriter.open(path, { open: diskFullAfter(80) });
    await writer.write({ iteration: 1, global_step: 512 });
    await writer.write({ iteration: 2, global_step: 1024 });
    await assert.rejects(
      writer.write({ iteration: 3, global_step: 1536, "charts/SPS": 1234.5 }),
      (error: Error) =>
        error.message.startsWith(
          `Cannot write a line to ${path} as No space left on device (os error 28); ` +
            "the partial write was removed",
        ) && error.cause instanceof Error,
    );
    await assert.rejects(writer.close(), /No space left/);
    const lines = (await Deno.readTextFile(path)).split("\n");
    assert.deepEqual(lines.slice(0, -1).map((line) => JSON.parse(line).iteration), [1, 2]);
    assert.equal(lines[lines.length - 1], "");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("TensorBoardWriter on a full disk names the file and steps, and leaves the file readable", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const writer = await TensorBoardWriter.open(dir, { hostname: "box", open: diskFullAfter(200) });
    writer.addScalars(512, { "charts/SPS": 1000, "losses/value_loss": 2 });
    await writer.flush();
    writer.addScalars(1024, { "charts/SPS": 1000, "losses/value_loss": 1.5 });
    writer.addScalars(1536, { "charts/SPS": 1000, "losses/value_loss": 1 });
    await assert.rejects(
      writer.flush(),
      new RegExp(`Cannot write 2 events \\(steps 1024-1536\\) to ${writer.path} as No space left on device`),
    );
    await assert.rejects(writer.close());
    // Strict reading: a half record would throw here.
    const events = await readTensorBoardEvents(writer.path);
    assert.deepEqual(events.map((e) => e.step), [0, 512]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
