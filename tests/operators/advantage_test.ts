import assert from "node:assert/strict";
import { firstValueFrom, map, of } from "rxjs";
import { advantage } from "../../src/operators/advantage.ts";
import { fakeRollout, testScheduler } from "./_fixtures.ts";

/** A critic whose value of an observation is the observation itself plus 100; it records its calls. */
function recordingCritic() {
  const calls: number[][] = [];
  return {
    calls,
    values(obs: Float32Array, batch: number, out: Float32Array): void {
      calls.push(Array.from(obs.subarray(0, batch)));
      for (let i = 0; i < batch; i++) out[i] = obs[i]! + 100;
    },
  };
}

Deno.test("advantage() emits one advantage batch per rollout", () => {
  testScheduler().run(({ cold, expectObservable }) => {
    const rollouts = cold("-a--b|", { a: fakeRollout([1], [0]), b: fakeRollout([2], [0]) });
    const critic = {
      values: (_o: Float32Array, batch: number, out: Float32Array) => void out.fill(0, 0, batch),
    };
    const result = rollouts.pipe(advantage(critic, { gamma: 0.9 }), map((a) => Array.from(a.advantages)));
    expectObservable(result).toBe("-x--y|", { x: [1], y: [2] });
  });
});

Deno.test("advantage() bootstraps truncated episodes from their final observation in one critic call", async () => {
  const critic = recordingCritic();
  const r = fakeRollout([1, 1, 1], [0, 0, 0], {
    truncated: Uint8Array.of(0, 1, 0),
    finalObs: Float32Array.of(0, 7, 0),
    nextObs: Float32Array.of(3),
  });
  const batch = await firstValueFrom(of(r).pipe(advantage(critic, { gamma: 0.5, gaeLambda: 1 })));
  // One call: the truncated step's final obs (7) and the rollout's next obs (3).
  assert.deepEqual(critic.calls, [[7, 3]]);
  // t=2 bootstraps V(3)=103; t=1 bootstraps V(7)=107 and cuts the chain; t=0 continues into t=1.
  assert.deepEqual(Array.from(batch.advantages), [1 + 0.5 * (1 + 0.5 * 107), 1 + 0.5 * 107, 1 + 0.5 * 103]);
  assert.deepEqual(Array.from(batch.returns), Array.from(batch.advantages));
});

Deno.test("advantage() awaits an asynchronous critic", async () => {
  const critic = {
    values: (_o: Float32Array, batch: number, out: Float32Array) =>
      Promise.resolve().then(() => void out.fill(10, 0, batch)),
  };
  const batch = await firstValueFrom(of(fakeRollout([0], [0])).pipe(advantage(critic, { gamma: 0.5 })));
  assert.deepEqual(Array.from(batch.advantages), [5]);
});

Deno.test("advantage() does not bootstrap a step that is both terminated and truncated", async () => {
  const critic = recordingCritic();
  const r = fakeRollout([1], [0], { terminated: Uint8Array.of(1), truncated: Uint8Array.of(1) });
  const batch = await firstValueFrom(of(r).pipe(advantage(critic)));
  assert.deepEqual(critic.calls, [[1]]);
  assert.deepEqual(Array.from(batch.advantages), [1]);
});

Deno.test("advantage() validates gamma when the pipeline is built", () => {
  assert.throws(
    () => advantage({ values: () => {} }, { gamma: 1.5 }),
    /gamma must be in \[0, 1\]: current value is 1.5/,
  );
});

Deno.test("advantage() with reuse fills the same arrays across subscriptions, with the same numbers as fresh ones", async () => {
  const reuse = {};
  const run = (r: ReturnType<typeof fakeRollout>, options: Parameters<typeof advantage>[1]) =>
    firstValueFrom(of(r).pipe(advantage(recordingCritic(), options)));
  const truncated = {
    truncated: Uint8Array.of(0, 1, 0),
    finalObs: Float32Array.of(0, 7, 0),
    nextObs: Float32Array.of(3),
  };
  const first = await run(fakeRollout([1, 1, 1], [0, 0, 0], truncated), { gamma: 0.5, reuse });
  const second = await run(fakeRollout([2, 0, 1], [1, 0, 0]), { gamma: 0.5, reuse });
  assert.equal(second.advantages, first.advantages);
  const fresh = await run(fakeRollout([2, 0, 1], [1, 0, 0]), { gamma: 0.5 });
  assert.deepEqual(Array.from(second.advantages), Array.from(fresh.advantages));
  assert.deepEqual(Array.from(second.returns), Array.from(fresh.returns));
});
