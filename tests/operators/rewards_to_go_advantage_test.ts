import assert from "node:assert/strict";
import { firstValueFrom, map, of } from "rxjs";
import { rewardsToGoAdvantage } from "../../src/operators/rewards_to_go_advantage.ts";
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

Deno.test("rewardsToGoAdvantage() emits one advantage batch per rollout", () => {
  testScheduler().run(({ cold, expectObservable }) => {
    const rollouts = cold("-a--b|", {
      a: fakeRollout([1, 1], [0, 0.5], { terminated: Uint8Array.of(0, 1) }),
      b: fakeRollout([2], [0], { terminated: Uint8Array.of(1) }),
    });
    const critic = {
      values: (_o: Float32Array, batch: number, out: Float32Array) => void out.fill(0, 0, batch),
    };
    const result = rollouts.pipe(
      rewardsToGoAdvantage(critic, { gamma: 0.5 }),
      map((a) => [Array.from(a.returns), Array.from(a.advantages)]),
    );
    expectObservable(result).toBe("-x--y|", { x: [[1.5, 1], [1.5, 0.5]], y: [[2], [2]] });
  });
});

Deno.test("rewardsToGoAdvantage() bootstraps truncations and the rollout's end from one critic call", async () => {
  const critic = recordingCritic();
  const r = fakeRollout([1, 1, 1], [0, 0, 0], {
    truncated: Uint8Array.of(0, 1, 0),
    finalObs: Float32Array.of(0, 7, 0),
    nextObs: Float32Array.of(3),
  });
  const batch = await firstValueFrom(of(r).pipe(rewardsToGoAdvantage(critic, { gamma: 0.5 })));
  assert.deepEqual(critic.calls, [[7, 3]]);
  // t=2 bootstraps V(3) = 103; t=1 is cut and bootstraps V(7) = 107; t=0 continues into t=1.
  assert.deepEqual(Array.from(batch.returns), [1 + 0.5 * (1 + 0.5 * 107), 1 + 0.5 * 107, 1 + 0.5 * 103]);
  assert.deepEqual(Array.from(batch.advantages), Array.from(batch.returns));
  assert.equal(batch.obs, r.obs);
});

Deno.test("rewardsToGoAdvantage() without bootstrap asks the critic nothing and sums the collected rewards", async () => {
  const critic = recordingCritic();
  const r = fakeRollout([1, 1, 1], [0.5, 0, 0], { truncated: Uint8Array.of(0, 1, 0) });
  const batch = await firstValueFrom(
    of(r).pipe(rewardsToGoAdvantage(critic, { gamma: 0.5, bootstrap: false })),
  );
  assert.deepEqual(critic.calls, []);
  assert.deepEqual(Array.from(batch.returns), [1.5, 1, 1]);
  assert.deepEqual(Array.from(batch.advantages), [1, 1, 1]);
});

Deno.test("rewardsToGoAdvantage() awaits an asynchronous critic", async () => {
  const critic = {
    values: (_o: Float32Array, batch: number, out: Float32Array) =>
      Promise.resolve().then(() => void out.fill(10, 0, batch)),
  };
  const batch = await firstValueFrom(
    of(fakeRollout([0], [0])).pipe(rewardsToGoAdvantage(critic, { gamma: 0.5 })),
  );
  assert.deepEqual(Array.from(batch.returns), [5]);
});

Deno.test("rewardsToGoAdvantage() validates gamma when the pipeline is built and reports a critic's error", async () => {
  assert.throws(
    () => rewardsToGoAdvantage({ values: () => {} }, { gamma: 2 }),
    (error: Error) =>
      error instanceof RangeError &&
      error.message === "Cannot create rewardsToGoAdvantage as gamma must be in [0, 1]: current value is 2",
  );
  const failing = {
    values(): void {
      throw new RangeError("Cannot compute values as the engine was disposed");
    },
  };
  await assert.rejects(
    firstValueFrom(of(fakeRollout([1], [0])).pipe(rewardsToGoAdvantage(failing))),
    /engine was disposed/,
  );
});
