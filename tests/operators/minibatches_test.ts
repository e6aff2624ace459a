import assert from "node:assert/strict";
import { firstValueFrom, map, of, toArray } from "rxjs";
import { minibatches } from "../../src/operators/minibatches.ts";
import { Rng } from "../../src/core/rng.ts";
import { fakeBatch, testScheduler } from "./_fixtures.ts";

Deno.test("minibatches() emits updateEpochs x numMinibatches minibatches per batch", () => {
  testScheduler().run(({ cold, expectObservable }) => {
    const batches = cold("-a-------b-----|", { a: fakeBatch(8), b: fakeBatch(8, 1) });
    const result = batches.pipe(
      minibatches(new Rng(0), { numMinibatches: 2, updateEpochs: 2 }),
      map((mb) => `${mb.batch.policyVersion}:${mb.epoch}:${mb.index}:${mb.indices.length}`),
    );
    expectObservable(result).toBe("-(abcd)--(efgh)|", {
      a: "0:0:0:4",
      b: "0:0:1:4",
      c: "0:1:0:4",
      d: "0:1:1:4",
      e: "1:0:0:4",
      f: "1:0:1:4",
      g: "1:1:0:4",
      h: "1:1:1:4",
    });
  });
});

Deno.test("minibatches() covers every index once per epoch and reshuffles between epochs", async () => {
  const list = await firstValueFrom(
    of(fakeBatch(64)).pipe(minibatches(new Rng(3), { numMinibatches: 4, updateEpochs: 3 }), toArray()),
  );
  const epochs = [0, 1, 2].map((e) =>
    list.filter((mb) => mb.epoch === e).flatMap((mb) => Array.from(mb.indices))
  );
  for (const indices of epochs) {
    assert.deepEqual([...indices].sort((a, b) => a - b), Array.from({ length: 64 }, (_, i) => i));
  }
  assert.notDeepEqual(epochs[0], epochs[1]);
});

Deno.test("minibatches() errors when numMinibatches does not divide the batch size", async () => {
  await assert.rejects(
    firstValueFrom(of(fakeBatch(10)).pipe(minibatches(new Rng(0), { numMinibatches: 4, updateEpochs: 1 }))),
    /numMinibatches must divide the batch size 10: current value is 4/,
  );
  assert.throws(() => minibatches(new Rng(0), { numMinibatches: 0, updateEpochs: 1 }), RangeError);
});

Deno.test("minibatches() with reuse draws the same minibatches as without it, into one array", async () => {
  const reuse: { permutations?: Int32Array } = {};
  const draw = (rng: Rng, options: { reuse?: typeof reuse }) =>
    firstValueFrom(
      of(fakeBatch(8), fakeBatch(8, 1)).pipe(
        minibatches(rng, { numMinibatches: 2, updateEpochs: 3, ...options }),
        map((mb) => Array.from(mb.indices)),
        toArray(),
      ),
    );
  assert.deepEqual(await draw(new Rng(4), { reuse }), await draw(new Rng(4), {}));
  assert.equal(reuse.permutations?.length, 3 * 8);
});
