import assert from "node:assert/strict";
import { loadCheckpoint, saveCheckpoint } from "../../src/io/checkpoint.ts";
import { evaluate } from "../../src/train/evaluate.ts";
import { train } from "../../src/train/train.ts";
import { readMetrics, stopAt, TINY, withoutTiming, withRunsDir } from "./_fixtures.ts";

/**
 * Rewrites a run's config.json and latest checkpoint as they were written before engines had their own option:
 * `backend` named the engine (or a gpu.js backend), at the top and in the config.
 */
async function writeAsBeforeEngines(dir: string, backend: string): Promise<void> {
  const description = JSON.parse(await Deno.readTextFile(`${dir}/config.json`));
  const { engine: _engine, backend: _backend, ...config } = description.config;
  const { engine: _ran, ...rest } = description;
  await Deno.writeTextFile(
    `${dir}/config.json`,
    JSON.stringify({ ...rest, backend, config: { ...config, backend } }, null, 2) + "\n",
  );
  const path = `${dir}/checkpoints/latest.safetensors`;
  const checkpoint = await loadCheckpoint(path);
  const { engine: _metaEngine, config: metaConfig, ...metadata } = checkpoint.metadata as Record<
    string,
    unknown
  >;
  const { engine: _configEngine, backend: _configBackend, ...oldConfig } = metaConfig as Record<
    string,
    unknown
  >;
  await saveCheckpoint(path, {
    ...checkpoint,
    metadata: { ...metadata, backend, config: { ...oldConfig, backend } } as typeof checkpoint.metadata,
  });
}

Deno.test("a run written before engines had their own option resumes exactly and evaluates", async () => {
  await withRunsDir(async (runsDir) => {
    await (await train(TINY, { runsDir, runName: "whole" })).done;
    const dir = `${runsDir}/old`;
    await stopAt(await train(TINY, { runsDir, runName: "old" }), 3);
    await writeAsBeforeEngines(dir, "reference");
    const old = JSON.parse(await Deno.readTextFile(`${dir}/config.json`));
    assert.equal(old.config.backend, "reference");
    assert.equal("engine" in old.config, false);
    const resumed = await train({}, { resume: dir });
    assert.equal(resumed.engine, "reference");
    assert.equal(resumed.backend, undefined);
    assert.deepEqual([resumed.config.engine, resumed.config.backend], ["reference", "auto"]);
    assert.equal((await resumed.done).iterations, 6);
    assert.deepEqual(
      withoutTiming(await readMetrics(dir)),
      withoutTiming(await readMetrics(`${runsDir}/whole`)),
    );
    const rewritten = JSON.parse(await Deno.readTextFile(`${dir}/config.json`));
    assert.deepEqual([rewritten.engine, rewritten.config.engine, rewritten.config.backend], [
      "reference",
      "reference",
      "auto",
    ]);
    const result = await evaluate(`${dir}/checkpoints/latest.safetensors`, { episodes: 2 });
    assert.equal(result.returns.length, 2);
  });
});

Deno.test("an old run on a gpu.js backend resumes on engine gpujs; naming the engine or the backend replaces both", async () => {
  await withRunsDir(async (runsDir) => {
    const dir = `${runsDir}/old`;
    await stopAt(await train(TINY, { runsDir, runName: "old" }), 2);
    await writeAsBeforeEngines(dir, "cpu");
    const onGpu = await train({}, { resume: dir });
    await stopAt(onGpu, 3);
    assert.deepEqual([onGpu.engine, onGpu.backend], ["gpujs", "cpu"]);
    assert.deepEqual([onGpu.config.engine, onGpu.config.backend], ["gpujs", "cpu"]);
    const description = JSON.parse(await Deno.readTextFile(`${dir}/config.json`));
    assert.deepEqual([description.engine, description.backend], ["gpujs", "cpu"]);
    await assert.rejects(
      train({ engine: "wasm", backend: "cpu" }, { resume: dir }),
      /backend must be "auto" when engine is "wasm"/,
    );
    // The backend belongs to the engine: another engine leaves it "auto".
    const moved = await train({ engine: "reference" }, { resume: dir });
    assert.deepEqual([moved.config.engine, moved.config.backend], ["reference", "auto"]);
    assert.equal(moved.engine, "reference");
    assert.equal((await moved.done).iterations, 6);
  });
});
