import assert from "node:assert/strict";
import type { Plan } from "../../src/kernels/_gpu.ts";
import { AdaptivePlan } from "../../src/kernels/adaptive_plan.ts";

/** A fake clock (ms) that only the fake plans advance, so a busy machine cannot change the outcome. */
const clock = { time: 0, now: () => clock.time };

/** A fake plan that takes `delay()` ms of the fake clock and counts its runs. */
function busyPlan(name: string, delay: () => number): Plan<string> & { runs: number } {
  const plan = {
    runs: 0,
    run() {
      plan.runs++;
      clock.time += delay();
      return Promise.resolve(name);
    },
    executorKind: name,
    fallbackReason: null,
    backend: "webasm",
  };
  return plan;
}

Deno.test("AdaptivePlan alternates while measuring, then keeps the faster variant", async () => {
  const slow = busyPlan("slow", () => 3);
  const fast = busyPlan("fast", () => 0.2);
  const plan = new AdaptivePlan([slow, fast], clock);
  for (let i = 0; i < 14; i++) await plan.run();
  assert.equal(slow.runs, 7);
  assert.equal(fast.runs, 7);
  for (let i = 0; i < 50; i++) assert.equal(await plan.run(), "fast");
  assert.equal(plan.executorKind, "fast");
});

Deno.test("AdaptivePlan switches when the chosen variant becomes slower", async () => {
  let secondDelay = 0.2;
  const plan = new AdaptivePlan([busyPlan("first", () => 1), busyPlan("second", () => secondDelay)], clock);
  for (let i = 0; i < 14; i++) await plan.run();
  assert.equal(await plan.run(), "second");
  // Load moved: its latest samples now outweigh the other's.
  secondDelay = 3;
  for (let i = 0; i < 5; i++) await plan.run();
  assert.equal(await plan.run(), "first");
});
