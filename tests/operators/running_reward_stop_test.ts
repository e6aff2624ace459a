import assert from "node:assert/strict";
import { firstValueFrom, from, map, toArray } from "rxjs";
import type { EpisodeResult, IterationMetrics } from "../../src/operators/types.ts";
import { runningRewardStop } from "../../src/operators/running_reward_stop.ts";
import { train } from "../../src/train/train.ts";
import { testScheduler } from "./_fixtures.ts";

function episode(value: number): EpisodeResult {
  return { env: 0, return: value, length: value, globalStep: 0 };
}

Deno.test("runningRewardStop() emits the running reward of every episode and completes once it passes the threshold", () => {
  testScheduler().run(({ cold, expectObservable }) => {
    const episodes = cold("-a-b-c-d-|", {
      a: episode(100),
      b: episode(100),
      c: episode(100),
      d: episode(100),
    });
    const result = episodes.pipe(
      runningRewardStop({ threshold: 60, smoothing: 0.5 }),
      map((r) => `${r.count}:${r.runningReward}${r.solved ? "!" : ""}`),
    );
    // 0.5 * 100 + 0.5 * 0 = 50, then 75 > 60: solved at the second episode, and the stream completes there.
    expectObservable(result).toBe("-a-(b|)", { a: "1:50", b: "2:75!" });
  });
});

Deno.test("runningRewardStop() follows the numpy tutorial's rule by default: 0.05 x episode + 0.95 x running > threshold", async () => {
  const results = await firstValueFrom(
    from([10, 20, 30].map(episode)).pipe(runningRewardStop({ threshold: 195 }), toArray()),
  );
  let expected = 0;
  for (const [i, value] of [10, 20, 30].entries()) {
    expected = 0.05 * value + 0.95 * expected;
    assert.ok(Math.abs(results[i]!.runningReward - expected) < 1e-12);
    assert.equal(results[i]!.value, value);
    assert.equal(results[i]!.solved, false);
  }
});

Deno.test("runningRewardStop() reads an iteration's mean episodic return and skips iterations without episodes", async () => {
  const iteration = (value?: number) =>
    ({
      iteration: 1,
      ...(value === undefined ? {} : { "charts/episodic_return": value }),
    }) as IterationMetrics;
  const results = await firstValueFrom(
    from([iteration(10), iteration(), iteration(30)]).pipe(
      runningRewardStop({ threshold: 1000, smoothing: 0.5, initial: 2 }),
      map((r) => [r.count, r.value, r.runningReward]),
      toArray(),
    ),
  );
  assert.deepEqual(results, [[1, 10, 6], [2, 30, 18]]);
});

Deno.test("runningRewardStop() validates its options when the pipeline is built", () => {
  assert.throws(
    () => runningRewardStop({ threshold: 1, smoothing: 0 }),
    (error: Error) =>
      error instanceof RangeError &&
      error.message === "Cannot create runningRewardStop as smoothing must be in (0, 1]: current value is 0",
  );
  assert.throws(
    () => runningRewardStop({ threshold: NaN }),
    /Cannot create runningRewardStop as threshold must be a number: current value is NaN/,
  );
});

Deno.test("runningRewardStop() stops train() through run.stop() once the rule fires", async () => {
  const run = await train({
    numEnvs: 2,
    numSteps: 16,
    numMinibatches: 2,
    updateEpochs: 1,
    totalTimesteps: 32 * 30,
    engine: "reference",
  }, { writeFiles: false });
  let solvedAt: number | null = null;
  run.episodes$.pipe(runningRewardStop({ threshold: 5 })).subscribe((r) => {
    if (r.solved) {
      solvedAt = r.count;
      void run.stop();
    }
  });
  const summary = await run.done;
  assert.ok(solvedAt !== null);
  assert.equal(summary.stopped, true);
  assert.ok(summary.iterations < 30);
});
