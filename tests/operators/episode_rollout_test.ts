import assert from "node:assert/strict";
import { firstValueFrom, from, map, take, toArray } from "rxjs";
import { VecEnv } from "../../src/envs/vec_env.ts";
import { createReferencePolicy } from "../../src/model/reference_policy.ts";
import { paramLayout } from "../../src/model/param_layout.ts";
import { Collector } from "../../src/operators/collector.ts";
import { episodeRollout } from "../../src/operators/episode_rollout.ts";
import { transitions } from "../../src/operators/transitions.ts";
import type { StepBatch } from "../../src/operators/types.ts";
import { fakeStep, testScheduler } from "./_fixtures.ts";

/** fakeStep(t) whose episode ends at t: `"T"` terminated, `"C"` cut by the time limit (truncated). */
function step(t: number, end: "" | "T" | "C" = "", numEnvs = 1, endingEnv = 0): StepBatch {
  const s = fakeStep(t, { numEnvs });
  const terminated = new Uint8Array(numEnvs);
  const truncated = new Uint8Array(numEnvs);
  if (end === "T") terminated[endingEnv] = 1;
  if (end === "C") truncated[endingEnv] = 1;
  return { ...s, terminated, truncated };
}

Deno.test("episodeRollout() ends a rollout at the first episode end once it holds minSteps steps", () => {
  testScheduler().run(({ cold, expectObservable }) => {
    const steps = cold("-abcdefgh|", {
      a: step(0, "T"),
      b: step(1),
      c: step(2),
      d: step(3, "C"),
      e: step(4),
      f: step(5),
      g: step(6),
      h: step(7, "T"),
    });
    const result = steps.pipe(episodeRollout({ minSteps: 3 }), map((r) => Array.from(r.obs)));
    // a ends an episode too early; d ends the first rollout (4 steps); h the second (4 steps).
    expectObservable(result).toBe("----x---y|", { x: [0, 1, 2, 3], y: [4, 5, 6, 7] });
  });
});

Deno.test("episodeRollout() cuts a rollout at maxSteps mid-episode, to be bootstrapped from nextObs", () => {
  testScheduler().run(({ cold, expectObservable }) => {
    const steps = cold("-abcde|", { a: step(0), b: step(1, "T"), c: step(2), d: step(3), e: step(4) });
    const result = steps.pipe(
      episodeRollout({ maxSteps: 2 }),
      map((r) => ({
        obs: Array.from(r.obs),
        terminated: Array.from(r.terminated),
        nextObs: Array.from(r.nextObs),
        numSteps: r.numSteps,
      })),
    );
    // T steps or an episode end (the numpy tutorial's loop): b ends an episode at 2 steps, d is cut at 2.
    expectObservable(result).toBe("--x-y-|", {
      x: { obs: [0, 1], terminated: [0, 1], nextObs: [2], numSteps: 2 },
      y: { obs: [2, 3], terminated: [0, 0], nextObs: [4], numSteps: 2 },
    });
  });
});

Deno.test("episodeRollout() keeps every field, step-major, and the flags that bootstrapping needs", async () => {
  const steps = [step(0, "", 2), step(1, "C", 2, 1), step(2, "", 2), step(3, "T", 2, 0)].map((s, t) => ({
    ...s,
    finalObs: Float32Array.of(t * 10, t * 10 + 1),
    episodes: t === 1 ? [{ env: 1, return: 2, length: 2, globalStep: 4 }] : [],
  }));
  const r = await firstValueFrom(from(steps).pipe(episodeRollout({ minSteps: 2 })));
  assert.equal(r.numSteps, 2);
  assert.equal(r.numEnvs, 2);
  const f = Math.fround;
  assert.deepEqual(Array.from(r.obs), [0, f(0.1), 1, f(1.1)]);
  assert.deepEqual(Array.from(r.truncated), [0, 0, 0, 1]);
  assert.deepEqual(Array.from(r.terminated), [0, 0, 0, 0]);
  assert.deepEqual(Array.from(r.finalObs), [0, 1, 10, 11]);
  assert.deepEqual(Array.from(r.nextObs), [2, f(2.1)]);
  assert.deepEqual(Array.from(r.rewards), [1, f(1.1), 1, f(1.1)]);
  assert.deepEqual(r.episodes.map((e) => e.env), [1]);
  assert.equal(r.globalStep, 4);
  assert.equal(r.policyVersion, 0);
});

Deno.test("episodeRollout() grows past its first allocation and emits arrays the next rollout does not overwrite", async () => {
  const steps = Array.from({ length: 300 }, (_, t) => step(t, t === 199 || t === 299 ? "T" : ""));
  const rollouts = await firstValueFrom(from(steps).pipe(episodeRollout({ minSteps: 100 }), toArray()));
  assert.deepEqual(rollouts.map((r) => r.numSteps), [200, 100]);
  assert.deepEqual(Array.from(rollouts[0]!.obs), Array.from({ length: 200 }, (_, t) => t));
  assert.deepEqual(Array.from(rollouts[0]!.terminated).flatMap((d, t) => d ? [t] : []), [199]);
  assert.equal(rollouts[1]!.obs[0], 200);
});

Deno.test("episodeRollout() refuses steps of another policy version, and bad bounds when built", async () => {
  const steps = [step(0), { ...step(1), policyVersion: 1 }];
  await assert.rejects(
    firstValueFrom(from(steps).pipe(episodeRollout({ maxSteps: 5 }))),
    /Cannot collect rollout as its steps must come from policy version 0: current value is 1/,
  );
  assert.throws(
    () => episodeRollout({ minSteps: 0 }),
    (error: Error) =>
      error instanceof RangeError &&
      error.message ===
        "Cannot create episodeRollout as minSteps must be a positive integer: current value is 0",
  );
  assert.throws(
    () => episodeRollout({ maxSteps: 2.5 }),
    /maxSteps must be a positive integer or Infinity: current value is 2.5/,
  );
  assert.throws(
    () => episodeRollout({ minSteps: 4, maxSteps: 3 }),
    /Cannot create episodeRollout as minSteps must be at most maxSteps 3: current value is 4/,
  );
});

Deno.test("episodeRollout() collects whole CartPole episodes until at least minSteps steps", async () => {
  const vecEnv = new VecEnv("CartPole-v1", 1, { seed: 3 });
  const layout = paramLayout({
    obsDim: 4,
    head: { kind: "categorical", n: 2 },
    hidden: [8],
    activation: "tanh",
    shared: false,
  });
  const collector = new Collector(createReferencePolicy(layout, { seed: 1 }), vecEnv, { seed: 3 });
  const rollouts = await firstValueFrom(
    transitions(collector, { numSteps: Number.MAX_SAFE_INTEGER }).pipe(
      episodeRollout({ minSteps: 50 }),
      take(3),
      map((r) => ({
        numSteps: r.numSteps,
        lastDone: r.terminated[r.numSteps - 1]! | r.truncated[r.numSteps - 1]!,
        lengths: r.episodes.map((e) => e.length),
      })),
      toArray(),
    ),
  );
  for (const r of rollouts) {
    assert.ok(r.numSteps >= 50);
    assert.equal(r.lastDone, 1);
    // Whole episodes: their lengths add up to the rollout, and only the last one reached 50 steps in total.
    assert.equal(r.lengths.reduce((a, b) => a + b, 0), r.numSteps);
    assert.ok(r.numSteps - r.lengths[r.lengths.length - 1]! < 50);
  }
  assert.equal(collector.globalStep, rollouts.reduce((a, r) => a + r.numSteps, 0));
});
