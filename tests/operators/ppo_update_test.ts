import assert from "node:assert/strict";
import { firstValueFrom, map, of, toArray } from "rxjs";
import { minibatches } from "../../src/operators/minibatches.ts";
import { ppoUpdate, type PpoUpdateOptions } from "../../src/operators/ppo_update.ts";
import type { MinibatchData, TrainStepOptions, TrainStepStats } from "../../src/model/types.ts";
import { Rng } from "../../src/core/rng.ts";
import { fakeBatch, testScheduler } from "./_fixtures.ts";

const OPTIONS: PpoUpdateOptions = {
  learningRate: 1e-3,
  clipCoef: 0.2,
  clipVloss: true,
  entCoef: 0.01,
  vfCoef: 0.5,
  maxGradNorm: 0.5,
  normAdv: true,
};

/** An engine that records what it was asked to train on and reports a chosen approx KL. */
function fakeTarget(approxKl = 0) {
  const seen: { advantages: number[]; learningRate: number; criticLearningRate: number | undefined }[] = [];
  return {
    seen,
    policyVersion: 0,
    engine: {
      trainStep(mb: MinibatchData, options: TrainStepOptions): TrainStepStats {
        seen.push({
          advantages: Array.from(mb.advantages),
          learningRate: options.learningRate,
          criticLearningRate: options.criticLearningRate,
        });
        return {
          policyLoss: 0,
          valueLoss: 0,
          entropy: 0,
          oldApproxKl: 0,
          approxKl,
          clipfrac: 0.5,
          gradNorm: 1,
        };
      },
    },
  };
}

Deno.test("ppoUpdate() emits one result per minibatch and marks the iteration's last one final", () => {
  testScheduler().run(({ cold, expectObservable }) => {
    const target = fakeTarget();
    const batches = cold("-a-----|", { a: fakeBatch(4) });
    const result = batches.pipe(
      minibatches(new Rng(0), { numMinibatches: 2, updateEpochs: 2 }),
      ppoUpdate(target, OPTIONS),
      map((u) => `${u.epoch}${u.index}${u.final ? "F" : ""}`),
    );
    expectObservable(result).toBe("-(abcd)|", { a: "00", b: "01", c: "10", d: "11F" });
  });
});

Deno.test("ppoUpdate() gathers the minibatch's rows and bumps the policy version after the last update", async () => {
  const target = fakeTarget();
  const updates = await firstValueFrom(
    of(fakeBatch(6)).pipe(
      minibatches(new Rng(1), { numMinibatches: 3, updateEpochs: 1 }),
      ppoUpdate(target, OPTIONS),
      toArray(),
    ),
  );
  assert.equal(updates.length, 3);
  assert.equal(target.policyVersion, 1);
  // fakeBatch's advantages equal the row index: the gathered rows are a permutation of 0..5.
  assert.deepEqual(target.seen.flatMap((s) => s.advantages).sort(), [0, 1, 2, 3, 4, 5]);
});

Deno.test("ppoUpdate() anneals learning rates linearly by the batch's policy version", async () => {
  const target = fakeTarget();
  const options = { ...OPTIONS, criticLearningRate: 2e-3, annealIterations: 4 };
  await firstValueFrom(
    of(fakeBatch(2, 0), fakeBatch(2, 3)).pipe(
      minibatches(new Rng(0), { numMinibatches: 1, updateEpochs: 1 }),
      ppoUpdate(target, options),
      toArray(),
    ),
  );
  assert.deepEqual(target.seen.map((s) => s.learningRate), [1e-3, 1e-3 * 0.25]);
  assert.deepEqual(target.seen.map((s) => s.criticLearningRate), [2e-3, 2e-3 * 0.25]);
});

Deno.test("ppoUpdate() stops the remaining epochs when an epoch ends with approx KL above targetKl", async () => {
  const target = fakeTarget(0.05);
  const updates = await firstValueFrom(
    of(fakeBatch(4), fakeBatch(4, 1)).pipe(
      minibatches(new Rng(0), { numMinibatches: 2, updateEpochs: 3 }),
      ppoUpdate(target, { ...OPTIONS, targetKl: 0.01 }),
      toArray(),
    ),
  );
  // Each batch: epoch 0's two minibatches run, then the KL check stops epochs 1 and 2.
  assert.deepEqual(updates.map((u) => `${u.batch.policyVersion}${u.epoch}${u.index}${u.final ? "F" : ""}`), [
    "000",
    "001F",
    "100",
    "101F",
  ]);
  assert.ok(updates[1]!.earlyStopped);
  assert.equal(target.policyVersion, 2);
});

Deno.test("ppoUpdate() with earlyStop minibatch stops mid-epoch, right after the first minibatch above targetKl", async () => {
  const target = fakeTarget(0.05);
  const updates = await firstValueFrom(
    of(fakeBatch(4)).pipe(
      minibatches(new Rng(0), { numMinibatches: 2, updateEpochs: 3 }),
      ppoUpdate(target, { ...OPTIONS, targetKl: 0.01, earlyStop: "minibatch" }),
      toArray(),
    ),
  );
  assert.deepEqual(updates.map((u) => `${u.epoch}${u.index}${u.final ? "F" : ""}`), ["00F"]);
  assert.ok(updates[0]!.earlyStopped);
  assert.equal(target.policyVersion, 1);
  assert.throws(
    () => ppoUpdate(fakeTarget(), { ...OPTIONS, earlyStop: "batch" as never }),
    /earlyStop must be "epoch" or "minibatch": current value is batch/,
  );
});

Deno.test("ppoUpdate() validates its options when the pipeline is built", () => {
  assert.throws(
    () => ppoUpdate(fakeTarget(), { ...OPTIONS, learningRate: -1 }),
    /learningRate must be positive: current value is -1/,
  );
  assert.throws(
    () => ppoUpdate(fakeTarget(), { ...OPTIONS, entCoef: NaN }),
    /entCoef must be a non-negative number/,
  );
});

Deno.test("ppoUpdate() turns an engine error into an error notification", async () => {
  const target = {
    policyVersion: 0,
    engine: {
      trainStep(): TrainStepStats {
        throw new RangeError("Cannot apply update as the gradient is not finite: current value is NaN");
      },
    },
  };
  await assert.rejects(
    firstValueFrom(
      of(fakeBatch(2)).pipe(
        minibatches(new Rng(0), { numMinibatches: 1, updateEpochs: 1 }),
        ppoUpdate(target, OPTIONS),
      ),
    ),
    /gradient is not finite/,
  );
});
