import assert from "node:assert/strict";
import { firstValueFrom, map, of } from "rxjs";
import { iterationMetrics } from "../../src/operators/iteration_metrics.ts";
import type { UpdateLosses, UpdateResult } from "../../src/operators/types.ts";
import { fakeBatch, testScheduler } from "./_fixtures.ts";

function update(final: boolean, clipfrac: number, policyLoss: number, policyVersion = 0): UpdateResult {
  const batch = {
    ...fakeBatch(4, policyVersion),
    globalStep: 4 * (policyVersion + 1),
    episodes: [{ env: 0, return: 10, length: 10, globalStep: 1 }, {
      env: 0,
      return: 20,
      length: 20,
      globalStep: 3,
    }],
  };
  const losses: UpdateLosses = {
    policyLoss,
    valueLoss: 2,
    entropy: 0.6,
    oldApproxKl: 0.001,
    approxKl: 0.002,
    clipfrac,
    gradNorm: 1,
  };
  return { batch, epoch: 0, index: 0, learningRate: 1e-3, losses, final, earlyStopped: false };
}

Deno.test("iterationMetrics() emits one record per iteration, at its final update", () => {
  testScheduler().run(({ cold, expectObservable }) => {
    const updates = cold("-a-b-c-d|", {
      a: update(false, 0.1, 1),
      b: update(true, 0.3, 2),
      c: update(false, 0, 3, 1),
      d: update(true, 0, 4, 1),
    });
    const result = updates.pipe(
      iterationMetrics({ clock: () => 0 }),
      map((
        m,
      ) => [m.iteration, m.global_step, m["losses/policy_loss"], Math.round(m["losses/clipfrac"] * 100)]),
    );
    expectObservable(result).toBe("---x---y|", { x: [1, 4, 2, 20], y: [2, 8, 4, 0] });
  });
});

Deno.test("iterationMetrics() reports CleanRL's keys with episode means, SPS and explained variance", async () => {
  let now = 0;
  const clock = () => now;
  const u = update(true, 0.25, 0.5);
  const metrics = await firstValueFrom(
    of(u).pipe(
      map((x) => {
        now = 2000;
        return x;
      }),
      iterationMetrics({ clock }),
    ),
  );
  assert.equal(metrics["charts/episodic_return"], 15);
  assert.equal(metrics["charts/episodic_length"], 15);
  assert.equal(metrics["charts/episodes"], 2);
  assert.equal(metrics["charts/SPS"], 2); // 4 steps in 2 s
  assert.equal(metrics["charts/learning_rate"], 1e-3);
  // fakeBatch: returns all 1 (no variance) -> explained variance is undefined (NaN), as in CleanRL.
  assert.ok(Number.isNaN(metrics["losses/explained_variance"]));
  for (const key of ["losses/value_loss", "losses/entropy", "losses/old_approx_kl", "losses/approx_kl"]) {
    assert.ok(key in metrics, key);
  }
});

Deno.test("iterationMetrics() leaves the episode keys out when no episode ended", async () => {
  const u = update(true, 0, 0);
  const metrics = await firstValueFrom(
    of({ ...u, batch: { ...u.batch, episodes: [] } }).pipe(iterationMetrics()),
  );
  assert.equal("charts/episodic_return" in metrics, false);
  assert.equal(metrics["charts/episodes"], 0);
});

Deno.test("iterationMetrics() measures explained variance as 1 - Var(returns - values) / Var(returns)", async () => {
  const u = update(true, 0, 0);
  const batch = { ...u.batch, returns: Float32Array.of(0, 2, 4, 6), values: Float32Array.of(1, 2, 3, 6) };
  const metrics = await firstValueFrom(of({ ...u, batch }).pipe(iterationMetrics()));
  // Var(returns) = 5; returns - values = [-1, 0, 1, 0], Var = 0.5 -> 1 - 0.5 / 5 = 0.9
  assert.ok(Math.abs(metrics["losses/explained_variance"] - 0.9) < 1e-9);
});

Deno.test("iterationMetrics() counts SPS from a given start when subscribed once per iteration", async () => {
  const u = update(true, 0, 0, 1); // global step 8 after the batch
  const metrics = await firstValueFrom(
    of(u).pipe(iterationMetrics({ clock: () => 3000, since: { time: 1000, globalStep: 2 } })),
  );
  assert.equal(metrics["charts/SPS"], 3); // (8 - 2) steps in 2 s
});
