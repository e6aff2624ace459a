import assert from "node:assert/strict";
import { resolveConfig } from "../../src/config/ppo_config.ts";
import type { StepBatch } from "../../src/operators/types.ts";
import { createAgent } from "../../src/train/create_agent.ts";
import { evaluate } from "../../src/train/evaluate.ts";
import { loadTrainingCheckpoint } from "../../src/train/load_training_checkpoint.ts";
import { train } from "../../src/train/train.ts";

const TINY = {
  numEnvs: 2,
  numSteps: 16,
  numMinibatches: 2,
  updateEpochs: 1,
  totalTimesteps: 32 * 4,
  engine: "reference",
} as const;

Deno.test("createAgent() applies init, maxEpisodeSteps and rewardScale", async () => {
  const base = {
    envId: "Pendulum-v1",
    numEnvs: 1,
    numSteps: 8,
    numMinibatches: 1,
    engine: "reference",
  } as const;
  const plain = await createAgent(resolveConfig(base));
  const custom = await createAgent(
    resolveConfig({ ...base, init: "pytorch-default", maxEpisodeSteps: 5, rewardScale: 0.5 }),
  );
  try {
    const biases = (params: Float32Array) =>
      plain.layout.tensors.filter((t) => t.name.endsWith(".bias")).flatMap((t) =>
        Array.from(params.subarray(t.offset, t.offset + t.size))
      );
    assert.ok(biases(plain.engine.getParams()).every((b) => b === 0));
    assert.ok(biases(custom.engine.getParams()).some((b) => b !== 0));
    assert.equal(plain.vecEnv.spec.maxEpisodeSteps, 200);
    assert.equal(custom.vecEnv.spec.maxEpisodeSteps, 5);
    custom.engine.setParams(plain.engine.getParams());
    const truncated: number[] = [];
    for (let t = 0; t < 5; t++) {
      const a = await plain.collector.step() as StepBatch;
      const rewards = Array.from(a.rewards);
      const b = await custom.collector.step() as StepBatch;
      assert.deepEqual(Array.from(b.rewards), rewards.map((r) => Math.fround(r * 0.5)));
      truncated.push(b.truncated[0]!);
    }
    assert.deepEqual(truncated, [0, 0, 0, 0, 1]); // Pendulum never terminates: the 5-step limit cuts it
  } finally {
    await plain.dispose();
    await custom.dispose();
  }
});

Deno.test("a run with maxGradNorm Infinity and the new options checkpoints, resumes exactly and evaluates", async () => {
  const runsDir = await Deno.makeTempDir();
  try {
    const config = {
      ...TINY,
      maxGradNorm: Infinity,
      init: "glorot-uniform",
      maxEpisodeSteps: 12,
      rewardScale: 0.1,
    } as const;
    const whole = await train(config, { runsDir, runName: "whole" });
    await whole.done;
    const expected = await readMetrics(`${runsDir}/whole`);

    const first = await train(config, { runsDir, runName: "split", checkpointEvery: 100 });
    first.iterations$.subscribe((m) => {
      if (m.iteration === 2) void first.stop();
    });
    const stopped = await first.done;
    assert.equal(stopped.iterations, 2);
    assert.ok(stopped.checkpoint !== null);
    const recorded = JSON.parse(await Deno.readTextFile(`${runsDir}/split/config.json`));
    assert.equal(recorded.config.maxGradNorm, "Infinity");
    assert.deepEqual([recorded.config.init, recorded.config.maxEpisodeSteps, recorded.config.rewardScale], [
      "glorot-uniform",
      12,
      0.1,
    ]);
    const { meta } = await loadTrainingCheckpoint(stopped.checkpoint, "read");
    assert.equal(meta.config.maxGradNorm, Infinity);

    const second = await train({}, { resume: `${runsDir}/split` });
    assert.deepEqual(second.config, first.config);
    const resumed = await second.done;
    assert.equal(resumed.iterations, 4);
    assert.deepEqual(withoutTiming(await readMetrics(`${runsDir}/split`)), withoutTiming(expected));

    // Evaluation plays the environment the run trained in: episodes end at the 12-step limit or earlier.
    const result = await evaluate(resumed.checkpoint!, { episodes: 3 });
    assert.ok(result.lengths.every((length) => length <= 12), `${result.lengths}`);
  } finally {
    await Deno.remove(runsDir, { recursive: true });
  }
});

async function readMetrics(runDir: string): Promise<Record<string, unknown>[]> {
  const text = await Deno.readTextFile(`${runDir}/metrics.jsonl`);
  return text.trim().split("\n").map((line) => JSON.parse(line));
}

function withoutTiming(metrics: Record<string, unknown>[]): Record<string, unknown>[] {
  return metrics.map(({ "charts/SPS": _sps, ...rest }) => rest);
}
