import assert from "node:assert/strict";
import { Box } from "../../src/envs/box.ts";
import { Discrete } from "../../src/envs/discrete.ts";
import { Rng } from "../../src/core/rng.ts";

Deno.test("Discrete.contains() accepts only integers in range", () => {
  const space = new Discrete(3, 1);
  assert.ok(space.contains(1) && space.contains(3));
  assert.ok(!space.contains(0) && !space.contains(4) && !space.contains(1.5) && !space.contains("1"));
  assert.throws(() => new Discrete(0), /n must be a positive integer: current value is 0/);
});

Deno.test("Discrete.sample() draws every action and nothing else", () => {
  const space = new Discrete(4);
  const rng = new Rng(0);
  const seen = new Set<number>();
  for (let i = 0; i < 1000; i++) seen.add(space.sample(rng));
  assert.deepEqual([...seen].sort(), [0, 1, 2, 3]);
});

Deno.test("Box samples lie inside bounded and half-bounded boxes", () => {
  const rng = new Rng(1);
  const box = new Box([-1, 0, -Infinity], [1, Infinity, Infinity]);
  assert.deepEqual(box.shape, [3]);
  for (let i = 0; i < 1000; i++) assert.ok(box.contains(box.sample(rng)));
  assert.ok(!box.contains([2, 0, 0]) && !box.contains([0, 0]) && !box.contains([0, -1, 0]));
});

Deno.test("Box rejects inverted bounds and mismatched sizes", () => {
  assert.throws(() => new Box(1, -1, [2]), RangeError);
  assert.throws(() => new Box([0, 0], [1, 1, 1]), TypeError);
  assert.deepEqual(new Box(-2, 2, [1]).toJSON(), { type: "Box", shape: [1], low: [-2], high: [2] });
  assert.deepEqual(new Box(-Infinity, Infinity, [1]).toJSON().low, ["-Infinity"]);
});
