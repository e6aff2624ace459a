import assert from "node:assert/strict";
import { firstValueFrom, map, of, toArray } from "rxjs";
import { gae } from "../../src/core/gae.ts";
import { Rng } from "../../src/core/rng.ts";
import type { MinibatchData, TrainStepStats } from "../../src/model/types.ts";
import { minibatches } from "../../src/operators/minibatches.ts";
import { ppoUpdate, type PpoUpdateOptions } from "../../src/operators/ppo_update.ts";
import { recomputeAdvantages } from "../../src/operators/recompute_advantages.ts";
import { fakeBatch, fakeRollout, testScheduler } from "./_fixtures.ts";

const OPTIONS: PpoUpdateOptions = {
  learningRate: 1e-3,
  clipCoef: 0.2,
  clipVloss: true,
  entCoef: 0.01,
  vfCoef: 0.5,
  maxGradNorm: 0.5,
  normAdv: true,
};

const STATS: TrainStepStats = {
  policyLoss: 0,
  valueLoss: 0,
  entropy: 0,
  oldApproxKl: 0,
  approxKl: 0,
  clipfrac: 0,
  gradNorm: 1,
};

/**
 * An engine whose critic values every observation at the number of train steps taken so far; it logs its calls,
 * and answers with promises when `async`.
 */
function countingEngine(options: { async?: boolean; approxKl?: number } = {}) {
  const log: string[] = [];
  const seen: number[][] = [];
  let steps = 0;
  return {
    log,
    seen,
    policyVersion: 0,
    engine: {
      values(_obs: Float32Array, batch: number, out: Float32Array): void | Promise<void> {
        const value = steps;
        log.push(`values ${value}`);
        if (!options.async) return void out.fill(value, 0, batch);
        return Promise.resolve().then(() => void out.fill(value, 0, batch));
      },
      trainStep(mb: MinibatchData): TrainStepStats | Promise<TrainStepStats> {
        log.push("train");
        seen.push(Array.from(mb.advantages));
        const result = { ...STATS, approxKl: options.approxKl ?? 0 };
        if (!options.async) {
          steps++;
          return result;
        }
        return Promise.resolve().then(() => {
          steps++;
          return result;
        });
      },
    },
  };
}

Deno.test("recomputeAdvantages() emits the wrapped update's results, epoch after epoch", () => {
  testScheduler().run(({ cold, expectObservable }) => {
    const target = countingEngine();
    const batches = cold("-a------b-------|", { a: fakeBatch(4), b: fakeBatch(4, 1) });
    const result = batches.pipe(
      minibatches(new Rng(0), { numMinibatches: 2, updateEpochs: 2 }),
      recomputeAdvantages(target.engine, ppoUpdate(target, OPTIONS), { gamma: 0.5 }),
      map((u) => `${u.batch.policyVersion}${u.epoch}${u.index}${u.final ? "F" : ""}`),
    );
    expectObservable(result).toBe("-(abcd)-(efgh)--|", {
      a: "000",
      b: "001",
      c: "010",
      d: "011F",
      e: "100",
      f: "101",
      g: "110",
      h: "111F",
    });
  });
});

Deno.test("recomputeAdvantages() asks the critic before each epoch, after the previous epoch's updates, also when asynchronous", async () => {
  for (const async of [false, true]) {
    const target = countingEngine({ async });
    await firstValueFrom(
      of(fakeBatch(4)).pipe(
        minibatches(new Rng(0), { numMinibatches: 2, updateEpochs: 3 }),
        recomputeAdvantages(target.engine, ppoUpdate(target, OPTIONS)),
        toArray(),
      ),
    );
    assert.deepEqual(target.log, [
      "values 0",
      "train",
      "train",
      "values 2",
      "train",
      "train",
      "values 4",
      "train",
      "train",
    ], `async: ${async}`);
    assert.equal(target.policyVersion, 1);
  }
});

Deno.test("recomputeAdvantages() trains each epoch on GAE with the critic's current values", async () => {
  const target = countingEngine();
  const rollout = fakeRollout([1, 0, 2, 1], [5, 5, 5, 5], { terminated: Uint8Array.of(0, 1, 0, 0) });
  const batch = { ...rollout, advantages: new Float32Array(4), returns: new Float32Array(4) };
  const results = await firstValueFrom(
    of(batch).pipe(
      minibatches(new Rng(1), { numMinibatches: 1, updateEpochs: 2 }),
      recomputeAdvantages(target.engine, ppoUpdate(target, { ...OPTIONS, normAdv: false }), {
        gamma: 0.9,
        gaeLambda: 0.8,
      }),
      toArray(),
    ),
  );
  const expected = (value: number) => {
    const values = new Array(4).fill(value);
    return gae({ ...rollout, values, finalValues: new Array(4).fill(0), nextValues: [value] }, {
      gamma: 0.9,
      gaeLambda: 0.8,
    });
  };
  assert.equal(results[1]!.batch, results[0]!.batch); // one batch object for the whole iteration
  // The minibatch is a permutation of the rows: compare the sorted advantages.
  const sorted = (values: ArrayLike<number>) =>
    Array.from(values, (a) => Math.round(a * 1e5) / 1e5).sort((a, b) => a - b);
  assert.deepEqual(sorted(target.seen[0]!), sorted(expected(0).advantages));
  assert.deepEqual(sorted(target.seen[1]!), sorted(expected(1).advantages));
  assert.notDeepEqual(sorted(target.seen[0]!), sorted(target.seen[1]!));
  // The rollout's own values and advantages are left as they were: value clipping keeps the old values.
  assert.deepEqual(Array.from(batch.advantages), [0, 0, 0, 0]);
  assert.deepEqual(Array.from(results[1]!.batch.values), [5, 5, 5, 5]);
  assert.deepEqual(Array.from(results[1]!.batch.returns), Array.from(expected(1).returns));
});

Deno.test("recomputeAdvantages() asks the critic nothing more once targetKl stops the epochs", async () => {
  const target = countingEngine({ approxKl: 1 });
  const results = await firstValueFrom(
    of(fakeBatch(4)).pipe(
      minibatches(new Rng(0), { numMinibatches: 2, updateEpochs: 3 }),
      recomputeAdvantages(target.engine, ppoUpdate(target, { ...OPTIONS, targetKl: 0.01 })),
      toArray(),
    ),
  );
  assert.deepEqual(target.log, ["values 0", "train", "train"]);
  assert.deepEqual(results.map((u) => u.earlyStopped), [false, true]);
  assert.equal(target.policyVersion, 1);
});

Deno.test("recomputeAdvantages() validates gamma and gaeLambda when the pipeline is built", () => {
  const target = countingEngine();
  assert.throws(
    () => recomputeAdvantages(target.engine, ppoUpdate(target, OPTIONS), { gaeLambda: -1 }),
    (error: Error) =>
      error instanceof RangeError &&
      error.message ===
        "Cannot create recomputeAdvantages as gaeLambda must be in [0, 1]: current value is -1",
  );
});
