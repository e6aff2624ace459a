import assert from "node:assert/strict";
import { categoricalBackward } from "../../src/core/categorical_backward.ts";
import { categoricalEntropy } from "../../src/core/categorical_entropy.ts";
import { categoricalLogProb } from "../../src/core/categorical_log_prob.ts";
import { categoricalMode } from "../../src/core/categorical_mode.ts";
import { categoricalSample } from "../../src/core/categorical_sample.ts";
import { logSoftmax } from "../../src/core/log_softmax.ts";
import { Rng } from "../../src/core/rng.ts";
import { softmax } from "../../src/core/softmax.ts";
import { assertGradientsClose, centralDifferences, normals, range } from "./gradient_check.ts";

function close(actual: number, expected: number, tolerance = 1e-12): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} vs ${expected}`);
}

Deno.test("softmax() and logSoftmax() agree, sum to 1 per row and give masked entries 0 and -Infinity", () => {
  const logits = [1, 2, 3, 1000, 1001, 999];
  const mask = [1, 0, 1, 1, 1, 1];
  const p = softmax(logits, 3, { mask });
  const logP = logSoftmax(logits, 3, { mask });
  assert.equal(p[1], 0);
  assert.equal(logP[1], -Infinity);
  for (let i = 0; i < 6; i++) close(p[i]!, Math.exp(logP[i]!));
  close(p[0]! + p[2]!, 1);
  close(p[3]! + p[4]! + p[5]!, 1); // large logits do not overflow
  close(p[0]!, 1 / (1 + Math.exp(2)));
});

Deno.test("categoricalLogProb() picks the log-softmax entry of each row's action", () => {
  const rng = new Rng(7);
  const logits = normals(5 * 4, () => rng.normal());
  const actions = [0, 3, 2, 1, 3];
  const logP = logSoftmax(logits, 4);
  const logProbs = categoricalLogProb(logits, actions, { n: 4 });
  actions.forEach((a, b) => close(logProbs[b]!, logP[b * 4 + a]!));
});

Deno.test("categoricalEntropy() ignores masked actions: it equals the entropy of the allowed ones alone", () => {
  const masked = categoricalEntropy([0.3, 9, -1.2, 0.5], { n: 4, mask: [1, 0, 1, 1] });
  const reduced = categoricalEntropy([0.3, -1.2, 0.5], { n: 3 });
  close(masked[0]!, reduced[0]!);
  close(categoricalEntropy([0, 0, 0, 0], { n: 4 })[0]!, Math.log(4));
});

Deno.test("categoricalBackward() matches central differences of log-prob and entropy terms", () => {
  const rng = new Rng(8);
  const n = 5;
  const batch = 6;
  for (
    const mask of [
      undefined,
      Uint8Array.from({ length: batch * n }, (_, i) => (i % n === (i / n | 0) % n ? 0 : 1)),
    ]
  ) {
    const logits = normals(batch * n, () => rng.normal(), 1.5);
    const actions = Float64Array.from({ length: batch }, (_, b) => (b + 1) % n); // never the masked one
    const gradLogProbs = normals(batch, () => rng.normal());
    const gradEntropy = normals(batch, () => rng.normal());
    const options = mask === undefined ? { n } : { n, mask };
    const loss = () => {
      const logProbs = categoricalLogProb(logits, actions, options);
      const entropy = categoricalEntropy(logits, options);
      let sum = 0;
      for (let b = 0; b < batch; b++) sum += gradLogProbs[b]! * logProbs[b]! + gradEntropy[b]! * entropy[b]!;
      return sum;
    };
    const analytic = categoricalBackward(logits, actions, { ...options, gradLogProbs, gradEntropy });
    assertGradientsClose(analytic, centralDifferences(loss, logits, range(logits.length)), "dL/dlogits");
    if (mask !== undefined) mask.forEach((m, i) => m === 0 && assert.equal(analytic[i], 0));
  }
});

Deno.test("categoricalSample() draws actions with their probabilities by inverse CDF", () => {
  const rng = new Rng(9);
  const logits = [Math.log(0.1), Math.log(0.2), Math.log(0.7)];
  const draws = 100_000;
  const counts = [0, 0, 0];
  const uniforms = Float64Array.from({ length: draws }, () => rng.random());
  const actions = categoricalSample(Array.from({ length: draws * 3 }, (_, i) => logits[i % 3]!), uniforms, {
    n: 3,
  });
  for (const a of actions) counts[a]!++;
  // Binomial standard deviation at p = 0.7 is about 0.0015; allow 4 of them.
  [0.1, 0.2, 0.7].forEach((p, a) => close(counts[a]! / draws, p, 0.006));
  // The CDF boundaries: [0, 0.1) -> 0, [0.1, 0.3) -> 1, [0.3, 1) -> 2.
  assert.deepEqual(
    Array.from(categoricalSample([...logits, ...logits, ...logits], [0.05, 0.25, 0.35], { n: 3 })),
    [
      0,
      1,
      2,
    ],
  );
});

Deno.test("categoricalSample() never draws a masked action in 10^5 draws, even the most likely one or at u near 1", () => {
  const rng = new Rng(10);
  const n = 4;
  const draws = 100_000;
  const logits = new Float64Array(draws * n);
  const mask = new Uint8Array(draws * n);
  for (let b = 0; b < draws; b++) {
    for (let j = 0; j < n; j++) logits[b * n + j] = rng.normal();
    const masked = b % n;
    logits[b * n + masked] = 20; // by far the most likely action if it were allowed
    for (let j = 0; j < n; j++) mask[b * n + j] = j === masked ? 0 : 1;
  }
  const uniforms = Float64Array.from({ length: draws }, (_, b) => (b < 8 ? 1 - 2 ** -53 : rng.random()));
  const actions = categoricalSample(logits, uniforms, { n, mask });
  const seen = new Set<number>();
  actions.forEach((a, b) => {
    assert.notEqual(mask[b * n + a], 0, `row ${b} drew masked action ${a}`);
    seen.add(a);
  });
  assert.equal(seen.size, n); // every action is still reachable where it is allowed
});

Deno.test("categoricalMode() returns the most probable allowed action, the first on ties", () => {
  assert.deepEqual(Array.from(categoricalMode([1, 3, 3, 0, 9, 2], { n: 3, mask: [1, 1, 1, 1, 0, 1] })), [
    1,
    2,
  ]);
});

Deno.test("categorical functions reject masked or invalid actions, empty masks and bad uniforms with a RangeError", () => {
  assert.throws(() => categoricalLogProb([0, 0], [1], { n: 2, mask: [1, 0] }), RangeError);
  assert.throws(() => categoricalLogProb([0, 0], [2], { n: 2 }), RangeError);
  assert.throws(() => categoricalLogProb([0, 0], [0.5], { n: 2 }), RangeError);
  assert.throws(() => categoricalEntropy([0, 0], { n: 2, mask: [0, 0] }), /allows no action in row 0/);
  assert.throws(() => categoricalSample([0, 0], [1], { n: 2 }), RangeError);
  assert.throws(() => categoricalSample([0, 0], [NaN], { n: 2 }), RangeError);
  assert.throws(() => categoricalSample([0, NaN], [0.5], { n: 2 }), RangeError);
  assert.throws(() => categoricalLogProb([0, 0, 0], [0], { n: 2 }), TypeError);
});
