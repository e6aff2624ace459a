import assert from "node:assert/strict";
import { map } from "rxjs";
import type { MetricSink } from "../../src/logging/metric_sink.ts";
import { advantage } from "../../src/operators/advantage.ts";
import { minibatches } from "../../src/operators/minibatches.ts";
import { rollout } from "../../src/operators/rollout.ts";
import type { IterationMetrics } from "../../src/operators/types.ts";
import { composeIteration, type PpoStages } from "../../src/train/ppo_iteration.ts";
import { train } from "../../src/train/train.ts";
import { readMetrics, stopAt, TINY, withoutTiming, withRunsDir } from "./_fixtures.ts";

/** GAE with lambda 0.5 instead of the config's 0.95, and a minibatch stage counting its iterations in the state. */
const STAGES: PpoStages = {
  advantage: ({ engine, config }) => advantage(engine, { gamma: config.gamma, gaeLambda: 0.5 }),
  minibatches: ({ shuffleRng, config, state, iteration }) => {
    const count = (state.get("iterations") as number | undefined) ?? 0;
    // The state must have counted every earlier iteration, resumed or not.
    if (count !== iteration - 1) throw new Error(`stage state lost: ${count} at iteration ${iteration}`);
    state.set("iterations", count + 1);
    return minibatches(shuffleRng, {
      numMinibatches: config.numMinibatches,
      updateEpochs: config.updateEpochs,
    });
  },
};

Deno.test("stages swapped in train() are used, and a stopped run resumes them exactly with their state", async () => {
  await withRunsDir(async (runsDir) => {
    await (await train(TINY, { runsDir, runName: "default" })).done;
    await (await train(TINY, { runsDir, runName: "whole", stages: STAGES })).done;
    const whole = withoutTiming(await readMetrics(`${runsDir}/whole`));
    assert.notDeepEqual(
      whole,
      withoutTiming(await readMetrics(`${runsDir}/default`)),
      "the advantage stage ran",
    );
    await stopAt(await train(TINY, { runsDir, runName: "split", stages: STAGES }), 3);
    // Resumed with the same stages: the counter continues from the checkpoint (the stage throws if it does not).
    const resumed = await (await train({}, { resume: `${runsDir}/split`, stages: STAGES })).done;
    assert.equal(resumed.iterations, 6);
    assert.deepEqual(withoutTiming(await readMetrics(`${runsDir}/split`)), whole);
  });
});

Deno.test("a collection stage built on context.steps keeps the run's episode stream and the default numbers", async () => {
  const runDefault = await train(TINY, { writeFiles: false });
  const expected: IterationMetrics[] = [];
  runDefault.iterations$.subscribe((m) => expected.push(m));
  await runDefault.done;
  let shaped = 0;
  const run = await train(TINY, {
    writeFiles: false,
    // The user's transform still applies inside context.steps.
    transform: map((step) => {
      shaped++;
      return step;
    }),
    stages: { collect: (context) => context.steps(context.config.numSteps).pipe(rollout({ numSteps: 16 })) },
  });
  const seen: IterationMetrics[] = [];
  let episodes = 0;
  run.iterations$.subscribe((m) => seen.push(m));
  run.episodes$.subscribe(() => episodes++);
  await run.done;
  assert.deepEqual(withoutTiming(seen), withoutTiming(expected));
  assert.equal(shaped, 6 * 16);
  assert.ok(episodes > 0);
});

Deno.test("an iteration composer replaces the whole iteration; sinks get every iteration and are closed", async () => {
  const written: number[] = [];
  let closed = 0;
  const sink: MetricSink = {
    write: (m) => void written.push(m.iteration),
    close: () => void closed++,
  };
  let composed = 0;
  const expected = await (await train(TINY, { writeFiles: false })).done;
  const run = await train(TINY, {
    writeFiles: false,
    sinks: [sink],
    iteration: (context) => {
      composed++;
      return composeIteration(context);
    },
  });
  const summary = await run.done;
  assert.equal(composed, 6);
  assert.equal(summary.iterations, 6);
  // The default iteration from the context: the same run, episodes recorded as usual.
  assert.equal(summary.meanReturn100, expected.meanReturn100);
  assert.ok(summary.meanReturn100 !== null);
  assert.deepEqual(written, [1, 2, 3, 4, 5, 6]);
  assert.equal(closed, 1);
});
