import assert from "node:assert/strict";
import { map } from "rxjs";
import { train } from "../../src/train/train.ts";
import { readTensorBoardEvents } from "../../src/logging/tensorboard_reader.ts";
import { readMetrics, TINY, withoutTiming } from "./_fixtures.ts";

Deno.test("train() writes config.json, metrics.jsonl, TensorBoard events and checkpoints", async () => {
  const runsDir = await Deno.makeTempDir();
  try {
    const run = await train(TINY, { runsDir, runName: "files", checkpointEvery: 2 });
    const seen: number[] = [];
    run.iterations$.subscribe((m) => seen.push(m.iteration));
    const summary = await run.done;
    assert.deepEqual(seen, [1, 2, 3, 4, 5, 6]);
    assert.equal(summary.globalStep, 192);
    const dir = `${runsDir}/files`;
    const config = JSON.parse(await Deno.readTextFile(`${dir}/config.json`));
    assert.equal(config.config.numSteps, 16);
    assert.equal(config.engine, "reference");
    assert.equal("backend" in config, false);
    const metrics = await readMetrics(dir);
    assert.deepEqual(metrics.map((m) => m.global_step), [32, 64, 96, 128, 160, 192]);
    for (
      const key of [
        "charts/SPS",
        "charts/learning_rate",
        "losses/value_loss",
        "losses/policy_loss",
        "losses/entropy",
      ]
    ) {
      assert.ok(key in metrics[0]!, key);
    }
    const eventFile = [...Deno.readDirSync(dir)].find((e) => e.name.startsWith("events.out.tfevents."));
    assert.ok(eventFile);
    const events = await readTensorBoardEvents(`${dir}/${eventFile.name}`);
    const scalarEvents = events.filter((e) => "losses/value_loss" in e.scalars);
    assert.deepEqual(scalarEvents.map((e) => e.step), [32, 64, 96, 128, 160, 192]);
    assert.ok(
      Math.abs(scalarEvents[2]!.scalars["losses/value_loss"]! - metrics[2]!["losses/value_loss"]) < 1e-4,
    );
    await Deno.stat(`${dir}/checkpoints/latest.safetensors`);
  } finally {
    await Deno.remove(runsDir, { recursive: true });
  }
});

Deno.test("a run stopped at iteration 3 and resumed produces the same metrics as the uninterrupted run", async () => {
  const runsDir = await Deno.makeTempDir();
  try {
    const whole = await train(TINY, { runsDir, runName: "whole" });
    await whole.done;
    const expected = await readMetrics(`${runsDir}/whole`);

    const first = await train(TINY, { runsDir, runName: "split", checkpointEvery: 100 });
    first.iterations$.subscribe((m) => {
      if (m.iteration === 3) void first.stop();
    });
    const stopped = await first.done;
    assert.equal(stopped.stopped, true);
    assert.equal(stopped.iterations, 3);
    assert.deepEqual((await readMetrics(`${runsDir}/split`)).map((m) => m.iteration), [1, 2, 3]);

    const second = await train({}, { resume: `${runsDir}/split` });
    const resumed = await second.done;
    assert.equal(resumed.iterations, 6);
    assert.deepEqual(withoutTiming(await readMetrics(`${runsDir}/split`)), withoutTiming(expected));
  } finally {
    await Deno.remove(runsDir, { recursive: true });
  }
});

Deno.test("train() refuses to resume from a corrupt checkpoint, naming the file", async () => {
  const runsDir = await Deno.makeTempDir();
  try {
    const run = await train(TINY, { runsDir, runName: "corrupt" });
    await run.done;
    const path = `${runsDir}/corrupt/checkpoints/latest.safetensors`;
    const bytes = await Deno.readFile(path);
    bytes[bytes.length - 5]! ^= 0xff;
    await Deno.writeFile(path, bytes);
    await assert.rejects(
      train({}, { resume: `${runsDir}/corrupt` }),
      (error: Error) => error.message.includes(path),
    );
    await Deno.writeFile(path, bytes.subarray(0, 100));
    await assert.rejects(train({}, { resume: `${runsDir}/corrupt` }), /truncated or corrupt/);
  } finally {
    await Deno.remove(runsDir, { recursive: true });
  }
});

Deno.test("train() refuses bad hyperparameters before doing anything", async () => {
  await assert.rejects(
    train({ ...TINY, numMinibatches: 5 }, { writeFiles: false }),
    /numMinibatches must be a divisor/,
  );
  await assert.rejects(train({ envId: "CartPole-v9" }, { writeFiles: false }), /id must be one of/);
});

Deno.test("train() composes a user operator on transitions: reward shaping reaches the update", async () => {
  const run = await train({ ...TINY, totalTimesteps: 64 }, {
    writeFiles: false,
    transform: map((step) => {
      step.rewards.fill(0);
      return step;
    }),
  });
  const returns: number[] = [];
  run.updates$.subscribe((u) => returns.push(...u.batch.returns));
  await run.done;
  // With every reward zeroed, the critic's targets are only bootstrapped values, far below CartPole's returns.
  assert.ok(returns.every((r) => Math.abs(r) < 1), `max |return| ${Math.max(...returns.map(Math.abs))}`);
});

Deno.test("several subscribers watch one run without training twice", async () => {
  const run = await train(TINY, { writeFiles: false });
  const a: number[] = [];
  const b: number[] = [];
  let updates = 0;
  let episodes = 0;
  run.iterations$.subscribe((m) => a.push(m.global_step));
  run.iterations$.subscribe((m) => b.push(m.global_step));
  run.updates$.subscribe(() => updates++);
  run.episodes$.subscribe(() => episodes++);
  const summary = await run.done;
  assert.deepEqual(a, b);
  assert.equal(a.length, 6);
  assert.equal(updates, 6 * 2 * 2);
  assert.ok(episodes > 0);
  assert.equal(summary.globalStep, 192);
});
