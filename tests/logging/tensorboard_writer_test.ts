import assert from "node:assert/strict";
import { join } from "node:path";
import { TensorBoardWriter } from "../../src/logging/tensorboard_writer.ts";
import { readTensorBoardEvents } from "../../src/logging/tensorboard_reader.ts";

function fakeClock(startMs: number): { clock: () => number; advance: (ms: number) => void } {
  let now = startMs;
  return { clock: () => now, advance: (ms) => (now += ms) };
}

Deno.test("TensorBoardWriter writes a named event file that reads back with every scalar", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { clock, advance } = fakeClock(1_763_719_200_500);
    const writer = await TensorBoardWriter.open(join(dir, "run"), { clock, hostname: "box" });
    assert.equal(writer.path, join(dir, "run", "events.out.tfevents.1763719200.box"));
    writer.addScalars(2048, { "charts/episodic_return": 22.5, "losses/value_loss": 0.1 });
    advance(1500);
    writer.addScalars(4096, { "charts/SPS": 1234, "losses/entropy": NaN, "charts/x": -Infinity });
    writer.addScalars(2 ** 40, { "charts/big_step": 1 }, 12.25);
    await writer.flush();
    await writer.close();

    const events = await readTensorBoardEvents(writer.path);
    assert.equal(events.length, 4);
    assert.deepEqual(events[0], {
      wallTime: 1_763_719_200.5,
      step: 0,
      fileVersion: "brain.Event:2",
      scalars: {},
    });
    assert.deepEqual(events[1], {
      wallTime: 1_763_719_200.5,
      step: 2048,
      scalars: { "charts/episodic_return": 22.5, "losses/value_loss": Math.fround(0.1) },
    });
    assert.equal(events[2]!.wallTime, 1_763_719_202);
    assert.equal(events[2]!.step, 4096);
    assert.equal(events[2]!.scalars["charts/SPS"], 1234);
    assert.ok(Number.isNaN(events[2]!.scalars["losses/entropy"]));
    assert.equal(events[2]!.scalars["charts/x"], -Infinity);
    assert.deepEqual(events[3], { wallTime: 12.25, step: 2 ** 40, scalars: { "charts/big_step": 1 } });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("TensorBoardWriter picks a new name when the file of this second exists", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const clock = () => 1_000_000;
    const first = await TensorBoardWriter.open(dir, { clock, hostname: "box" });
    const second = await TensorBoardWriter.open(dir, { clock, hostname: "box" });
    await first.close();
    await second.close();
    assert.equal(second.path, `${first.path}.1`);
    assert.equal((await readTensorBoardEvents(second.path)).length, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("TensorBoardWriter keeps events in memory until flush()", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const writer = await TensorBoardWriter.open(dir, { clock: () => 0, hostname: "box" });
    writer.addScalars(1, { a: 1 });
    assert.equal((await readTensorBoardEvents(writer.path)).length, 1);
    await writer.flush();
    assert.equal((await readTensorBoardEvents(writer.path)).length, 2);
    await writer.close();
    await writer.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("TensorBoardWriter rejects bad steps, values and use after close", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const writer = await TensorBoardWriter.open(dir, { clock: () => 0, hostname: "box" });
    assert.throws(
      () => writer.addScalars(-1, { a: 1 }),
      /step must be a non-negative safe integer: current value is -1/,
    );
    assert.throws(() => writer.addScalars(1.5, { a: 1 }), RangeError);
    assert.throws(
      () => writer.addScalars(1, { a: "1" as unknown as number }),
      /a must be a number: current value is 1/,
    );
    await writer.close();
    assert.throws(() => writer.addScalars(1, { a: 1 }), /is closed/);
    await assert.rejects(
      TensorBoardWriter.open(dir, { hostname: "a/b" }),
      /hostname must be a non-empty name without slashes: current value is "a\/b"/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
