import assert from "node:assert/strict";
import { loadCheckpoint, saveCheckpoint } from "../../src/io/checkpoint.ts";
import { readTensorBoardEvents } from "../../src/logging/tensorboard_reader.ts";
import { RunLock } from "../../src/train/run_lock.ts";
import { type Run, train } from "../../src/train/train.ts";
import { readMetrics, stopAt, TINY, withRunsDir } from "./_fixtures.ts";

async function eventSteps(runDir: string): Promise<number[]> {
  const steps: number[] = [];
  for await (const entry of Deno.readDir(runDir)) {
    if (!entry.name.startsWith("events.out.tfevents.")) continue;
    for (const event of await readTensorBoardEvents(`${runDir}/${entry.name}`)) {
      if ("losses/value_loss" in event.scalars) steps.push(event.step);
    }
  }
  return steps.sort((a, b) => a - b);
}

Deno.test("two trainers started at once on one run name: the second is refused and the first's files are whole", async () => {
  await withRunsDir(async (runsDir) => {
    const [first, second] = await Promise.allSettled([
      train(TINY, { runsDir, runName: "same" }),
      train(TINY, { runsDir, runName: "same" }),
    ]);
    const refused = [first, second].filter((r) => r.status === "rejected");
    const started = [first, second].filter((r) => r.status === "fulfilled");
    assert.equal(refused.length, 1);
    assert.equal(started.length, 1);
    const reason = (refused[0] as PromiseRejectedResult).reason as Error;
    assert.ok(reason instanceof Deno.errors.Busy, String(reason));
    assert.match(
      reason.message,
      new RegExp(`run directory ${runsDir}/same as another process holds it \\(pid ${Deno.pid}`),
    );
    const run = (started[0] as PromiseFulfilledResult<Run>).value;
    await run.done;
    const metrics = await readMetrics(`${runsDir}/same`);
    assert.deepEqual(metrics.map((m) => m.iteration), [1, 2, 3, 4, 5, 6]);
    // The claim ends with the run, and the finished run resumes cleanly.
    await assert.rejects(Deno.stat(`${runsDir}/same/run.lock`), Deno.errors.NotFound);
    await (await train({ totalTimesteps: 32 * 7 }, { resume: `${runsDir}/same` })).done;
    assert.deepEqual((await readMetrics(`${runsDir}/same`)).map((m) => m.iteration), [1, 2, 3, 4, 5, 6, 7]);
  });
});

Deno.test("--resume of a run that is still training is refused and changes nothing", async () => {
  await withRunsDir(async (runsDir) => {
    const dir = `${runsDir}/busy`;
    const run = await train({ ...TINY, totalTimesteps: 32 * 8 }, {
      runsDir,
      runName: "busy",
      checkpointEvery: 1,
    });
    const refusals: unknown[] = [];
    run.iterations$.subscribe((m) => {
      if (m.iteration === 3) {
        refusals.push(train({}, { resume: dir }).then(() => "accepted", (error) => error));
      }
    });
    await run.done;
    const [refusal] = await Promise.all(refusals);
    assert.ok(refusal instanceof Deno.errors.Busy, String(refusal));
    assert.deepEqual((await readMetrics(dir)).map((m) => m.iteration), [1, 2, 3, 4, 5, 6, 7, 8]);
  });
});

Deno.test("RunLock takes over a lock file left by a dead process, naming it, and refuses a live holder", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const stale = { pid: 999_999, hostname: "old-box", since: "2026-01-01T00:00:00.000Z" };
    await Deno.writeTextFile(`${dir}/run.lock`, JSON.stringify(stale));
    const warnings: string[] = [];
    const lock = await RunLock.claim(dir, { onWarning: (m) => warnings.push(m) });
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /taking over .*run\.lock, left by pid 999999 on old-box/);
    const holder = JSON.parse(await Deno.readTextFile(`${dir}/run.lock`));
    assert.equal(holder.pid, Deno.pid);
    await assert.rejects(RunLock.claim(dir), /another process holds it \(pid \d+ on /);
    await lock.release();
    await assert.rejects(Deno.stat(`${dir}/run.lock`), Deno.errors.NotFound);
    await assert.rejects(RunLock.claim(`${dir}/missing`), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a resumed run keeps best.safetensors until it really does better", async () => {
  await withRunsDir(async (runsDir) => {
    const dir = `${runsDir}/best`;
    await stopAt(await train(TINY, { runsDir, runName: "best", checkpointEvery: 1 }), 3);
    // Pretend the run once reached a far better policy than it will in the next iterations.
    const bestPath = `${dir}/checkpoints/best.safetensors`;
    const best = await loadCheckpoint(bestPath);
    await saveCheckpoint(bestPath, { ...best, metadata: { ...best.metadata, meanReturn100: 1e6 } });
    const summary = await (await train({}, { resume: dir, checkpointEvery: 1 })).done;
    assert.equal(summary.iterations, 6);
    assert.ok(summary.meanReturn100 !== null && summary.meanReturn100 < 1e6);
    assert.equal((await loadCheckpoint(bestPath)).metadata["meanReturn100"], 1e6);
  });
});

Deno.test("a torn last metrics line is dropped with a warning; a corrupt middle line is refused, naming file and line", async () => {
  await withRunsDir(async (runsDir) => {
    const dir = `${runsDir}/torn`;
    await stopAt(await train(TINY, { runsDir, runName: "torn" }), 3);
    const whole = await Deno.readTextFile(`${dir}/metrics.jsonl`);
    await Deno.writeTextFile(`${dir}/metrics.jsonl`, whole + '{"global_step":128,"iter');
    const warnings: string[] = [];
    await (await train({}, { resume: dir, onWarning: (m) => warnings.push(m) })).done;
    assert.deepEqual((await readMetrics(dir)).map((m) => m.iteration), [1, 2, 3, 4, 5, 6]);
    assert.ok(
      warnings.some((w) => w.includes(`torn last line (line 4) of ${dir}/metrics.jsonl`)),
      warnings.join("\n"),
    );

    const lines = (await Deno.readTextFile(`${dir}/metrics.jsonl`)).split("\n");
    lines[1] = lines[1]!.slice(0, 20);
    await Deno.writeTextFile(`${dir}/metrics.jsonl`, lines.join("\n"));
    await assert.rejects(
      train({ totalTimesteps: 32 * 8 }, { resume: dir }),
      new RegExp(`line 2 of ${dir}/metrics.jsonl is not a metrics record`),
    );
    // Refused before anything changed, and the claim was released.
    assert.equal(await Deno.readTextFile(`${dir}/metrics.jsonl`), lines.join("\n"));
    await assert.rejects(Deno.stat(`${dir}/run.lock`), Deno.errors.NotFound);
  });
});

Deno.test("a checkpoint copied in from another run is refused before the run directory changes", async () => {
  await withRunsDir(async (runsDir) => {
    await (await train(TINY, { runsDir, runName: "mine" })).done;
    await (await train({ ...TINY, envId: "Acrobot-v1" }, { runsDir, runName: "acrobot" })).done;
    await (await train(TINY, { runsDir, runName: "twin" })).done;
    const mine = `${runsDir}/mine`;
    const before = {
      metrics: await Deno.readTextFile(`${mine}/metrics.jsonl`),
      config: await Deno.readTextFile(`${mine}/config.json`),
      best: await Deno.readFile(`${mine}/checkpoints/best.safetensors`),
    };
    const latest = `${mine}/checkpoints/latest.safetensors`;
    await Deno.copyFile(`${runsDir}/acrobot/checkpoints/latest.safetensors`, latest);
    await assert.rejects(
      train({}, { resume: mine }),
      /belongs to another run: its run id is "[0-9a-f-]+" but the run directory's is "[0-9a-f-]+"/,
    );
    // Same env and config, other run: still refused.
    await Deno.copyFile(`${runsDir}/twin/checkpoints/latest.safetensors`, latest);
    await assert.rejects(train({}, { resume: mine }), /belongs to another run: its run id/);
    assert.equal(await Deno.readTextFile(`${mine}/metrics.jsonl`), before.metrics);
    assert.equal(await Deno.readTextFile(`${mine}/config.json`), before.config);
    assert.deepEqual(await Deno.readFile(`${mine}/checkpoints/best.safetensors`), before.best);
  });
});

Deno.test("train() refuses options a resume would ignore, and a zero total, naming them", async () => {
  await withRunsDir(async (runsDir) => {
    const dir = `${runsDir}/keep`;
    await (await train(TINY, { runsDir, runName: "keep" })).done;
    await assert.rejects(
      train({ learningRate: 0.1, seed: 3 }, { resume: dir }),
      /Cannot resume .*keep with learningRate, seed as a resumed run keeps the config/,
    );
    await assert.rejects(train({}, { resume: dir, runName: "other" }), /with runName/);
    await assert.rejects(
      train({ totalTimesteps: 0 }, { resume: dir }),
      /totalTimesteps must be a positive integer/,
    );
    await assert.rejects(Deno.stat(`${dir}/run.lock`), Deno.errors.NotFound);
  });
});

Deno.test("after a crash past its last checkpoint, a resumed run logs every step once in metrics and TensorBoard", async () => {
  await withRunsDir(async (runsDir) => {
    const dir = `${runsDir}/crash`;
    await stopAt(await train(TINY, { runsDir, runName: "crash" }), 3);
    const atThree = await Deno.readFile(`${dir}/checkpoints/latest.safetensors`);
    await (await train({}, { resume: dir, checkpointEvery: 100 })).done;
    // As after kill -9 at iteration 6: its metrics and events were written, its checkpoint was not.
    await Deno.writeFile(`${dir}/checkpoints/latest.safetensors`, atThree);
    await (await train({}, { resume: dir })).done;
    const expected = [32, 64, 96, 128, 160, 192];
    assert.deepEqual((await readMetrics(dir)).map((m) => m.global_step), expected);
    assert.deepEqual(await eventSteps(dir), expected);
  });
});

Deno.test("memory does not grow with the planned total: 1e12 planned steps cost what 1e6 do", async () => {
  const rssAfterThreeIterations = async (totalTimesteps: number) => {
    const run = await train({ ...TINY, totalTimesteps }, { writeFiles: false });
    await stopAt(run, 3);
    return Deno.memoryUsage().rss;
  };
  const small = await rssAfterThreeIterations(1e6);
  const huge = await rssAfterThreeIterations(1e12);
  // Queueing every planned iteration would cost gigabytes (1e10 steps took 1.15 GB); 64 MB is noise.
  assert.ok(huge - small < 64 * 2 ** 20, `rss ${small} -> ${huge}`);
});

Deno.test("bad run names are refused before anything is created", async () => {
  await withRunsDir(async (runsDir) => {
    for (const runName of ["", ".", "..", "a/b", "a\\b"]) {
      await assert.rejects(train(TINY, { runsDir, runName }), /runName must be a directory name/, runName);
    }
    assert.deepEqual([...Deno.readDirSync(runsDir)], []);
  });
});

Deno.test("a run refused at start (an unknown env) leaves no run directory", async () => {
  await withRunsDir(async (runsDir) => {
    await assert.rejects(train({ ...TINY, envId: "Nope-v0" }, { runsDir, runName: "x" }), /Nope-v0/);
    assert.deepEqual([...Deno.readDirSync(runsDir)], []);
  });
});
