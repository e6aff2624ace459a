import assert from "node:assert/strict";
import { firstValueFrom, map, of, tap, toArray } from "rxjs";
import { Rng } from "../../src/core/rng.ts";
import { paramLayout } from "../../src/model/param_layout.ts";
import { createReferencePolicy } from "../../src/model/reference_policy.ts";
import type {
  EvaluateOutput,
  MinibatchData,
  TrainStepOptions,
  TrainStepStats,
} from "../../src/model/types.ts";
import { iterationMetrics } from "../../src/operators/iteration_metrics.ts";
import { policyThenValue, type PolicyThenValueOptions } from "../../src/operators/policy_then_value.ts";
import type { AdvantageBatch } from "../../src/operators/types.ts";
import { fakeBatch, testScheduler } from "./_fixtures.ts";

const OPTIONS: PolicyThenValueOptions = {
  learningRate: 3e-4,
  criticLearningRate: 1e-3,
  policyIterations: 3,
  valueIterations: 2,
  clipCoef: 0.2,
  clipVloss: false,
  entCoef: 0,
  vfCoef: 1,
  maxGradNorm: Infinity,
  normAdv: true,
};

/**
 * An engine that logs its calls; after its k-th actor step the batch's log-probs have dropped by `klSteps[k-1]`
 * on average (the tutorial's KL), and each actor step reports a clipfrac and policy loss of k / 10. With `async` it
 * answers with promises.
 */
function fakeTarget(klSteps: number[] = [], async = false) {
  const log: string[] = [];
  const options: TrainStepOptions[] = [];
  let actorSteps = 0;
  const stats = (k: number, valueLoss: number): TrainStepStats => ({
    policyLoss: k / 10,
    valueLoss,
    entropy: 0.5,
    oldApproxKl: 0,
    approxKl: k / 100,
    clipfrac: k / 10,
    gradNorm: 1,
  });
  return {
    log,
    options,
    policyVersion: 0,
    engine: {
      trainStep(mb: MinibatchData, stepOptions: TrainStepOptions): TrainStepStats | Promise<TrainStepStats> {
        log.push(`train ${stepOptions.part} ${mb.size}`);
        options.push(stepOptions);
        const result = stepOptions.part === "actor"
          ? stats(++actorSteps, 0)
          : { ...stats(0, 2), policyLoss: 0, entropy: 0, approxKl: 0, clipfrac: 0 };
        return async ? Promise.resolve(result) : result;
      },
      evaluate(
        _obs: Float32Array,
        _actions: Float32Array,
        batch: number,
        out: EvaluateOutput,
      ): void | Promise<void> {
        log.push("evaluate");
        const kl = klSteps[actorSteps - 1] ?? 0;
        // fakeBatch's old log-probs are 0.
        for (let i = 0; i < batch; i++) out.logProbs[i] = -kl;
        return async ? Promise.resolve() : undefined;
      },
    },
  };
}

Deno.test("policyThenValue() emits the policy steps, then the value steps, the last one final", () => {
  testScheduler().run(({ cold, expectObservable }) => {
    const target = fakeTarget();
    const batches = cold("-a-------b------|", { a: fakeBatch(4), b: fakeBatch(4, 1) });
    const result = batches.pipe(
      policyThenValue(target, OPTIONS),
      map((u) => `${u.part === "actor" ? "p" : "v"}${u.epoch}${u.final ? "F" : ""}`),
    );
    expectObservable(result).toBe("-(abcde)-(abcde)|", { a: "p0", b: "p1", c: "p2", d: "v0", e: "v1F" });
  });
});

Deno.test("policyThenValue() trains on the whole batch, the actor at learningRate, the critic at criticLearningRate", async () => {
  const target = fakeTarget();
  await firstValueFrom(
    of(fakeBatch(6)).pipe(policyThenValue(target, { ...OPTIONS, targetKl: 0.01 }), toArray()),
  );
  assert.deepEqual(target.log, [
    "train actor 6",
    "evaluate",
    "train actor 6",
    "evaluate",
    "train actor 6",
    "evaluate",
    "train critic 6",
    "train critic 6",
  ]);
  assert.deepEqual(
    target.options.map((o) => [o.part, o.learningRate, o.criticLearningRate]),
    [
      ["actor", 3e-4, 1e-3],
      ["actor", 3e-4, 1e-3],
      ["actor", 3e-4, 1e-3],
      ["critic", 3e-4, 1e-3],
      ["critic", 3e-4, 1e-3],
    ],
  );
  assert.equal(target.policyVersion, 1);
});

Deno.test("policyThenValue() stops the policy steps once the KL after a step exceeds 1.5 x targetKl, then fits the value", async () => {
  for (const async of [false, true]) {
    // KL after steps 1, 2, 3: 0.01, 0.015 (not above 1.5 x 0.01), 0.02 (above): the third step is the last.
    const target = fakeTarget([0.01, 0.015, 0.02, 0.03], async);
    const results = await firstValueFrom(
      of(fakeBatch(4)).pipe(
        policyThenValue(target, { ...OPTIONS, policyIterations: 5, targetKl: 0.01 }),
        toArray(),
      ),
    );
    assert.deepEqual(results.map((u) => [u.part, u.epoch, u.earlyStopped, u.final]), [
      ["actor", 0, false, false],
      ["actor", 1, false, false],
      ["actor", 2, true, false],
      ["critic", 0, false, false],
      ["critic", 1, false, true],
    ]);
    assert.deepEqual(results.map((u) => u.kl === null ? null : Math.round(u.kl * 1e6) / 1e6), [
      0.01,
      0.015,
      0.02,
      null,
      null,
    ]);
    assert.equal(target.log.filter((line) => line === "train actor 4").length, 3);
  }
});

Deno.test("policyThenValue() without targetKl never evaluates, and anneals both learning rates", async () => {
  const target = fakeTarget();
  await firstValueFrom(
    of(fakeBatch(4, 2)).pipe(
      policyThenValue(target, { ...OPTIONS, policyIterations: 1, valueIterations: 1, annealIterations: 4 }),
      toArray(),
    ),
  );
  assert.deepEqual(target.log, ["train actor 4", "train critic 4"]);
  assert.deepEqual(target.options.map((o) => [o.learningRate, o.criticLearningRate]), [
    [3e-4 * 0.5, 1e-3 * 0.5],
    [3e-4 * 0.5, 1e-3 * 0.5],
  ]);
});

Deno.test("policyThenValue()'s value steps carry the policy terms, so iterationMetrics summarises both loops", async () => {
  const target = fakeTarget();
  const metrics = await firstValueFrom(
    of(fakeBatch(4)).pipe(policyThenValue(target, OPTIONS), iterationMetrics({ clock: () => 0 })),
  );
  assert.equal(metrics["losses/policy_loss"], 0.3); // the last policy step's
  assert.equal(metrics["losses/value_loss"], 2);
  assert.equal(metrics["losses/entropy"], 0.5);
  assert.ok(Math.abs(metrics["losses/clipfrac"] - 0.2) < 1e-12); // the mean over the policy steps 0.1, 0.2, 0.3
  assert.equal(metrics["charts/learning_rate"], 3e-4);
});

Deno.test("policyThenValue() with the reference engine moves only the actor, then only the critic", async () => {
  const layout = paramLayout({
    obsDim: 2,
    head: { kind: "categorical", n: 2 },
    hidden: [4],
    activation: "tanh",
    shared: false,
  });
  const engine = createReferencePolicy(layout, { seed: 1 });
  const rng = new Rng(2);
  const rows = 8;
  const obs = Float32Array.from({ length: rows * 2 }, () => rng.normal());
  const acted = {
    actions: new Float32Array(rows),
    logProbs: new Float32Array(rows),
    values: new Float32Array(rows),
  };
  engine.act({ obs, batch: rows, noise: Float32Array.from({ length: rows }, () => rng.random()) }, acted);
  const batch: AdvantageBatch = {
    ...fakeBatch(rows),
    obsDim: 2,
    obs,
    actions: acted.actions,
    logProbs: acted.logProbs,
    values: acted.values,
    advantages: Float32Array.from({ length: rows }, () => rng.normal()),
    returns: Float32Array.from({ length: rows }, () => rng.normal()),
  };
  const critic = layout.tensors.filter((t) => t.group === "critic");
  const slices = (params: Float32Array, group: "actor" | "critic") =>
    layout.tensors.filter((t) => t.group === group).map((t) =>
      Array.from(params.subarray(t.offset, t.offset + t.size))
    );
  const start = engine.getParams();
  const seen: Float32Array[] = [];
  const target = { engine, policyVersion: 0 };
  const results = await firstValueFrom(
    of(batch).pipe(
      policyThenValue(target, { ...OPTIONS, learningRate: 1e-2, criticLearningRate: 1e-2, targetKl: 0.01 }),
      tap(() => seen.push(engine.getParams())),
      toArray(),
    ),
  );
  const policySteps = results.filter((u) => u.part === "actor").length;
  const afterPolicy = seen[policySteps - 1]!;
  assert.ok(critic.length > 0);
  assert.deepEqual(slices(afterPolicy, "critic"), slices(start, "critic"));
  assert.notDeepEqual(slices(afterPolicy, "actor"), slices(start, "actor"));
  const end = seen[seen.length - 1]!;
  assert.deepEqual(slices(end, "actor"), slices(afterPolicy, "actor"));
  assert.notDeepEqual(slices(end, "critic"), slices(start, "critic"));
  for (const u of results.filter((u) => u.part === "actor")) {
    assert.ok(u.kl !== null && Number.isFinite(u.kl));
  }
});

Deno.test("policyThenValue() validates its options when the pipeline is built", () => {
  assert.throws(
    () => policyThenValue(fakeTarget(), { ...OPTIONS, policyIterations: 0 }),
    (error: Error) =>
      error instanceof RangeError &&
      error.message ===
        "Cannot create policyThenValue as policyIterations must be a positive integer: current value is 0",
  );
  assert.throws(
    () => policyThenValue(fakeTarget(), { ...OPTIONS, valueIterations: 1.5 }),
    /valueIterations must be a positive integer: current value is 1.5/,
  );
  assert.throws(
    () => policyThenValue(fakeTarget(), { ...OPTIONS, targetKl: -1 }),
    /Cannot create policyThenValue as targetKl must be positive: current value is -1/,
  );
});
