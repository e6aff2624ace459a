import assert from "node:assert/strict";
import { lastValueFrom, map, toArray } from "rxjs";
import { transitions } from "../../src/operators/transitions.ts";
import { fakeStep, testScheduler } from "./_fixtures.ts";

Deno.test("transitions() emits numSteps steps synchronously for a synchronous collector", () => {
  testScheduler().run(({ expectObservable }) => {
    let t = 0;
    const source = transitions({ step: () => fakeStep(t++) }, { numSteps: 3 });
    expectObservable(source.pipe(map((s) => s.globalStep))).toBe("(abc|)", { a: 0, b: 1, c: 2 });
  });
});

Deno.test("transitions() starts a step only after the previous asynchronous step resolved", async () => {
  let inFlight = 0;
  let maxInFlight = 0;
  let t = 0;
  const collector = {
    async step() {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 1));
      inFlight--;
      return fakeStep(t++);
    },
  };
  const steps = await lastValueFrom(
    transitions(collector, { numSteps: 4 }).pipe(map((s) => s.globalStep), toArray()),
  );
  assert.deepEqual(steps, [0, 1, 2, 3]);
  assert.equal(maxInFlight, 1);
});

Deno.test("transitions() steps nothing until subscribed", () => {
  let calls = 0;
  transitions({ step: () => fakeStep(calls++) }, { numSteps: 2 });
  assert.equal(calls, 0);
});
