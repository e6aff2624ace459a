import assert from "node:assert/strict";
import { join } from "node:path";
import { JsonlWriter } from "../../src/logging/jsonl_writer.ts";

Deno.test("JsonlWriter writes one JSON object per line, non-finite numbers as null", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "metrics.jsonl");
    const writer = await JsonlWriter.open(path);
    await writer.write({ global_step: 2048, "charts/SPS": 1200.5 });
    await writer.write({
      global_step: 4096,
      "losses/approx_kl": NaN,
      nested: { a: [Infinity, -Infinity, 1] },
    });
    const midway = await Deno.readTextFile(path);
    assert.equal(midway.split("\n").length, 3, "each awaited write is on disk before close()");
    await writer.close();
    const lines = (await Deno.readTextFile(path)).trimEnd().split("\n").map((line) => JSON.parse(line));
    assert.deepEqual(lines, [
      { global_step: 2048, "charts/SPS": 1200.5 },
      { global_step: 4096, "losses/approx_kl": null, nested: { a: [null, null, 1] } },
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("JsonlWriter keeps call order when writes are not awaited", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "metrics.jsonl");
    const writer = await JsonlWriter.open(path);
    for (let i = 0; i < 50; i++) writer.write({ i, pad: "x".repeat(i * 100) });
    await writer.close();
    const lines = (await Deno.readTextFile(path)).trimEnd().split("\n").map((line) => JSON.parse(line).i);
    assert.deepEqual(lines, Array.from({ length: 50 }, (_, i) => i));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("JsonlWriter appends to an existing file by default and truncates when asked", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "metrics.jsonl");
    await Deno.writeTextFile(path, '{"global_step":1}\n');
    const appending = await JsonlWriter.open(path);
    await appending.write({ global_step: 2 });
    await appending.close();
    assert.equal(await Deno.readTextFile(path), '{"global_step":1}\n{"global_step":2}\n');
    const truncating = await JsonlWriter.open(path, { append: false });
    await truncating.write({ global_step: 3 });
    await truncating.close();
    assert.equal(await Deno.readTextFile(path), '{"global_step":3}\n');
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("JsonlWriter rejects non-objects and writes after close", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const writer = await JsonlWriter.open(join(dir, "metrics.jsonl"));
    await assert.rejects(writer.write([1, 2] as unknown as Record<string, unknown>), /must be an object/);
    await assert.rejects(writer.write(null as unknown as Record<string, unknown>), /current value is null/);
    await writer.close();
    await writer.close();
    await assert.rejects(writer.write({ a: 1 }), /is closed/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("JsonlWriter takes records typed as interfaces", async () => {
  const dir = await Deno.makeTempDir();
  try {
    interface Metrics {
      readonly global_step: number;
      readonly "charts/episodic_return"?: number;
    }
    const metrics: Metrics = { global_step: 1 };
    const writer = await JsonlWriter.open(join(dir, "metrics.jsonl"));
    await writer.write(metrics);
    await writer.close();
    assert.equal(await Deno.readTextFile(join(dir, "metrics.jsonl")), '{"global_step":1}\n');
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
