import assert from "node:assert/strict";
import { CartPole } from "../../src/envs/cart_pole.ts";

/** A CartPole one push away from leaving the track, with its warnings collected. */
function atTheEdge(): { env: CartPole; warnings: string[] } {
  const warnings: string[] = [];
  const env = new CartPole({ warn: (message) => warnings.push(message) });
  env.reset({ state: [2.39, 1, 0, 0] });
  return { env, warnings };
}

Deno.test("CartPole stepped after termination pays 0 and warns once per environment, as Gymnasium does", () => {
  const { env, warnings } = atTheEdge();
  const last = env.step(1);
  assert.deepEqual([last.reward, last.terminated], [1, true], "the terminating step still pays 1");
  assert.deepEqual(warnings, []);
  for (let t = 0; t < 3; t++) {
    const beyond = env.step(1);
    assert.deepEqual([beyond.reward, beyond.terminated, beyond.truncated], [0, true, false]);
  }
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /CartPole-v1 .*already returned terminated = true.*reset\(\)/);

  env.reset({ state: [2.39, 1, 0, 0] });
  assert.equal(env.step(1).reward, 1, "a reset starts counting again");
  assert.equal(env.step(1).reward, 0);
  assert.equal(warnings.length, 1, "one warning per environment");
});

Deno.test("CartPole's state carries the steps taken after termination, so a restored copy pays 0 too", () => {
  const { env } = atTheEdge();
  assert.equal(env.getState()!.state.length, 4);
  env.step(1);
  const snapshot = JSON.parse(JSON.stringify(env.getState()));
  assert.deepEqual(snapshot.state.slice(4), [0]);
  const copy = new CartPole({ warn: () => {} });
  copy.setState(snapshot);
  assert.deepEqual(copy.step(0), env.step(0));
  assert.equal(copy.step(0).reward, 0);
  assert.deepEqual(copy.getState()!.state.slice(4), [2]);
  assert.throws(
    () => copy.reset({ state: [0, 0, 0, 0, -1] }),
    new RangeError(
      "Cannot reset CartPole-v1 as state[4], the steps taken after termination, must be a non-negative integer: current value is -1",
    ),
  );
});
