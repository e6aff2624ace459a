import assert from "node:assert/strict";
import { firstValueFrom, map, of } from "rxjs";
import { tdAdvantage } from "../../src/operators/td_advantage.ts";
import { fakeRollout, testScheduler } from "./_fixtures.ts";

Deno.test("tdAdvantage() emits one batch of TD(0) targets per rollout", () => {
  testScheduler().run(({ cold, expectObservable }) => {
    const rollouts = cold("--a-b|", {
      a: fakeRollout([1, 2], [0.5, 1]),
      b: fakeRollout([3], [1], { terminated: Uint8Array.of(1) }),
    });
    const critic = {
      values: (_o: Float32Array, batch: number, out: Float32Array) => void out.fill(4, 0, batch),
    };
    const result = rollouts.pipe(
      tdAdvantage(critic, { gamma: 0.5 }),
      map((a) => [Array.from(a.returns), Array.from(a.advantages)]),
    );
    // a: t=0 bootstraps V(s1) = 1 from the rollout, t=1 the critic's V(next) = 4. b: terminated, no bootstrap.
    expectObservable(result).toBe("--x-y|", { x: [[1.5, 4], [1, 3]], y: [[3], [2]] });
  });
});

Deno.test("tdAdvantage() bootstraps a truncated step from its final observation, a terminated one from nothing", async () => {
  const calls: number[][] = [];
  const critic = {
    values(obs: Float32Array, batch: number, out: Float32Array): void {
      calls.push(Array.from(obs.subarray(0, batch)));
      for (let i = 0; i < batch; i++) out[i] = obs[i]! * 10;
    },
  };
  const r = fakeRollout([1, 1, 1], [0, 0, 0], {
    terminated: Uint8Array.of(1, 0, 0),
    truncated: Uint8Array.of(1, 1, 0),
    finalObs: Float32Array.of(5, 7, 0),
    nextObs: Float32Array.of(3),
  });
  const batch = await firstValueFrom(of(r).pipe(tdAdvantage(critic, { gamma: 0.5 })));
  // Only the truncated, not terminated, step's final observation (7) and the next observation (3) are valued.
  assert.deepEqual(calls, [[7, 3]]);
  assert.deepEqual(Array.from(batch.returns), [1, 1 + 0.5 * 70, 1 + 0.5 * 30]);
});

Deno.test("tdAdvantage() validates gamma when the pipeline is built", () => {
  assert.throws(
    () => tdAdvantage({ values: () => {} }, { gamma: NaN }),
    /Cannot create tdAdvantage as gamma must be in \[0, 1\]: current value is NaN/,
  );
});
