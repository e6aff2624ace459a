import assert from "node:assert/strict";
import { make } from "../../src/envs/make.ts";

const IDS = ["CartPole-v1", "Acrobot-v1", "MountainCar-v0", "MountainCarContinuous-v0", "Pendulum-v1"];

function firstObservations(id: string, seed: number, resets: number): number[][] {
  const env = make(id);
  const out = [[...env.reset({ seed }).obs]];
  for (let i = 1; i < resets; i++) out.push([...env.reset().obs]);
  return out;
}

Deno.test("reset() with the same seed gives the same initial observations, later resets included", () => {
  for (const id of IDS) {
    assert.deepEqual(firstObservations(id, 123, 5), firstObservations(id, 123, 5), id);
    assert.notDeepEqual(firstObservations(id, 123, 1), firstObservations(id, 124, 1), id);
    const [first, second] = firstObservations(id, 123, 2);
    assert.notDeepEqual(first, second, `${id}: a reset without a seed continues the generator`);
  }
});

Deno.test("reset() draws initial states from Gymnasium's ranges", () => {
  const cartPole = make("CartPole-v1");
  const acrobot = make("Acrobot-v1");
  const mountainCar = make("MountainCar-v0");
  const pendulum = make("Pendulum-v1");
  cartPole.reset({ seed: 0 });
  acrobot.reset({ seed: 0 });
  mountainCar.reset({ seed: 0 });
  pendulum.reset({ seed: 0 });
  for (let i = 0; i < 200; i++) {
    for (const v of cartPole.reset().obs) assert.ok(Math.abs(v) <= 0.05);
    const a = acrobot.reset().obs;
    assert.ok(Math.abs(a[4]!) <= 0.1 && Math.abs(a[5]!) <= 0.1 && a[0]! >= Math.cos(0.1) - 1e-7);
    const m = mountainCar.reset().obs;
    assert.ok(m[0]! >= -0.6 && m[0]! <= -0.4 && m[1] === 0);
    const p = pendulum.reset().obs;
    assert.ok(Math.abs(p[2]!) <= 1 && Math.abs(p[0]! ** 2 + p[1]! ** 2 - 1) < 1e-6);
  }
});

Deno.test("a seeded episode under a fixed policy replays exactly", () => {
  function episode(seed: number): number[] {
    const env = make("Acrobot-v1", { maxEpisodeSteps: 50 });
    const trace = [...env.reset({ seed }).obs];
    for (let t = 0; t < 50; t++) trace.push(...env.step(t % 3).obs);
    return trace;
  }
  assert.deepEqual(episode(7), episode(7));
});
