import assert from "node:assert/strict";
import { firstValueFrom, map, of } from "rxjs";
import { rollout } from "../../src/operators/rollout.ts";
import { fakeStep, testScheduler } from "./_fixtures.ts";

Deno.test("rollout() emits one rollout per numSteps steps and drops an incomplete tail", () => {
  testScheduler().run(({ cold, expectObservable }) => {
    const steps = cold("-a-b-c-d-e-|", {
      a: fakeStep(0),
      b: fakeStep(1),
      c: fakeStep(2),
      d: fakeStep(3),
      e: fakeStep(4),
    });
    const result = steps.pipe(rollout({ numSteps: 2 }), map((r) => Array.from(r.obs)));
    expectObservable(result).toBe("---x---y---|", { x: [0, 1], y: [2, 3] });
  });
});

Deno.test("rollout() copies every field step-major and keeps the last step's next observations", () => {
  testScheduler().run(({ cold, expectObservable }) => {
    const steps = cold("ab|", { a: fakeStep(0, { numEnvs: 2 }), b: fakeStep(1, { numEnvs: 2 }) });
    const result = steps.pipe(
      rollout({ numSteps: 2 }),
      map((r) => ({
        obs: Array.from(r.obs, (v) => Math.round(v * 10) / 10),
        values: Array.from(r.values, (v) => Math.round(v * 10) / 10),
        nextObs: Array.from(r.nextObs, (v) => Math.round(v * 10) / 10),
        globalStep: r.globalStep,
      })),
    );
    expectObservable(result).toBe("-x|", {
      x: { obs: [0, 0.1, 1, 1.1], values: [0, 0.1, 2, 2.1], nextObs: [2, 2.1], globalStep: 4 },
    });
  });
});

Deno.test("rollout() refuses steps from two policy versions with an error notification", () => {
  testScheduler().run(({ cold, expectObservable }) => {
    const steps = cold("ab|", { a: fakeStep(0), b: fakeStep(1, { policyVersion: 1 }) });
    expectObservable(steps.pipe(rollout({ numSteps: 2 }))).toBe(
      "-#",
      undefined,
      new RangeError(
        "Cannot collect rollout as its steps must come from policy version 0: current value is 1",
      ),
    );
  });
});

Deno.test("rollout() validates numSteps when the pipeline is built", () => {
  assert.throws(() => rollout({ numSteps: 0 }), /numSteps must be a positive integer: current value is 0/);
});

Deno.test("rollout() with reuse fills the same arrays across subscriptions, with the same contents as fresh ones", async () => {
  const reuse = {};
  const collect = (from: number) =>
    firstValueFrom(of(fakeStep(from), fakeStep(from + 1)).pipe(rollout({ numSteps: 2, reuse })));
  const first = await collect(0);
  const firstObs = first.obs;
  const second = await collect(5);
  assert.equal(second.obs, firstObs);
  const fresh = await firstValueFrom(of(fakeStep(5), fakeStep(6)).pipe(rollout({ numSteps: 2 })));
  assert.deepEqual(second, fresh);
  assert.notEqual(fresh.obs, firstObs);
});
