import assert from "node:assert/strict";
import { Rng } from "../../src/core/rng.ts";

Deno.test("Rng gives the same stream for the same seed and different streams for different seeds", () => {
  const a = new Rng(7);
  const b = new Rng(7);
  const c = new Rng(8);
  const xs = Array.from({ length: 100 }, () => a.nextUint32());
  assert.deepEqual(Array.from({ length: 100 }, () => b.nextUint32()), xs);
  assert.notDeepEqual(Array.from({ length: 100 }, () => c.nextUint32()), xs);
});

Deno.test("Rng.random() is uniform on [0, 1) with the right mean and variance", () => {
  const rng = new Rng(1);
  const n = 200_000;
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < n; i++) {
    const x = rng.random();
    assert.ok(x >= 0 && x < 1);
    sum += x;
    sumSq += x * x;
  }
  const mean = sum / n;
  assert.ok(Math.abs(mean - 0.5) < 0.005, `mean ${mean}`);
  assert.ok(Math.abs(sumSq / n - mean * mean - 1 / 12) < 0.002);
});

Deno.test("Rng.normal() has mean 0 and variance 1", () => {
  const rng = new Rng(2);
  const n = 200_000;
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < n; i++) {
    const x = rng.normal();
    sum += x;
    sumSq += x * x;
  }
  assert.ok(Math.abs(sum / n) < 0.01);
  assert.ok(Math.abs(sumSq / n - 1) < 0.02);
});

Deno.test("Rng.integer() covers [0, n) evenly", () => {
  const rng = new Rng(3);
  const counts = new Array(5).fill(0);
  for (let i = 0; i < 50_000; i++) counts[rng.integer(5)]++;
  for (const c of counts) assert.ok(Math.abs(c - 10_000) < 400, `count ${c}`);
  assert.throws(() => rng.integer(0), /current value is 0/);
});

Deno.test("Rng state round-trips: a restored generator continues the same stream", () => {
  const rng = new Rng(4);
  rng.normal(); // leaves a cached spare normal
  const state = rng.getState();
  const expected = [rng.normal(), rng.random(), rng.nextUint32()];
  const restored = new Rng(999);
  restored.setState(state);
  assert.deepEqual([restored.normal(), restored.random(), restored.nextUint32()], expected);
  assert.ok(state.words.every((w) => w >= 0 && w < 2 ** 32));
});

Deno.test("Rng rejects a non-finite seed and an invalid state", () => {
  assert.throws(() => new Rng(NaN), RangeError);
  assert.throws(() => new Rng(0).setState({ words: [0, 0, 0, 0], spareNormal: null }), RangeError);
  assert.throws(() => new Rng(0).setState({ words: [1, 2, 3, -1], spareNormal: null }), TypeError);
});

Deno.test("Rng.shuffle() returns a permutation", () => {
  const rng = new Rng(5);
  const a = Int32Array.from({ length: 100 }, (_, i) => i);
  rng.shuffle(a);
  assert.deepEqual(Array.from(a).sort((x, y) => x - y), Array.from({ length: 100 }, (_, i) => i));
  assert.notDeepEqual(Array.from(a), Array.from({ length: 100 }, (_, i) => i));
});
