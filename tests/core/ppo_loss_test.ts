import assert from "node:assert/strict";
import { categoricalEntropy } from "../../src/core/categorical_entropy.ts";
import { categoricalLogProb } from "../../src/core/categorical_log_prob.ts";
import { normalizeAdvantages } from "../../src/core/normalize_advantages.ts";
import { gaussianLogProb } from "../../src/core/gaussian_log_prob.ts";
import { ppoHeadLoss } from "../../src/core/ppo_head_loss.ts";
import { ppoLoss, type PpoLossOptions } from "../../src/core/ppo_loss.ts";
import { Rng } from "../../src/core/rng.ts";
import { assertGradientsClose, centralDifferences, normals, range } from "./gradient_check.ts";

function close(actual: number, expected: number, tolerance = 1e-12): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} vs ${expected}`);
}

const clipOptions: PpoLossOptions = {
  clipCoef: 0.2,
  clipVloss: true,
  entCoef: 0.01,
  vfCoef: 0.5,
  normAdv: false,
};

/** Offsets in [-0.5, 0.5] for log-ratios, at least 0.01 away from the clip edges ln(0.8) and ln(1.2). */
function logRatios(rng: Rng, n: number): Float64Array {
  return Float64Array.from({ length: n }, () => {
    for (;;) {
      const x = rng.uniform(-0.5, 0.5);
      if (Math.abs(x - Math.log(0.8)) > 0.01 && Math.abs(x - Math.log(1.2)) > 0.01) return x;
    }
  });
}

/** Value offsets in [-0.6, 0.6], at least 0.01 away from the value-clip edges -0.2 and 0.2. */
function valueDeltas(rng: Rng, n: number): Float64Array {
  return Float64Array.from({ length: n }, () => {
    for (;;) {
      const x = rng.uniform(-0.6, 0.6);
      if (Math.abs(Math.abs(x) - 0.2) > 0.01) return x;
    }
  });
}

Deno.test("ppoLoss() reproduces a hand-worked CleanRL minibatch with clipping on both terms", () => {
  // Row 0: ratio 1.5, adv 2: max(-3, -2 * 1.2) = -2.4 (clipped, |0.5| > 0.2).
  // Row 1: ratio 0.9, adv -1: max(0.9, 0.9) = 0.9.          policyLoss = (-2.4 + 0.9) / 2 = -0.75
  // Values: row 0 v 1, ret 0, old 0.5: max(1, (0.5 + 0.2 - 0)^2 = 0.49) = 1.
  //         row 1 v 0.9, ret 1, old 0: max(0.01, (0 + 0.2 - 1)^2 = 0.64) = 0.64.  valueLoss = 0.5 * 1.64 / 2 = 0.41
  // Entropy mean (0.5 + 0.7) / 2 = 0.6.  loss = -0.75 - 0.01 * 0.6 + 0.5 * 0.41 = -0.551
  const result = ppoLoss({
    logProbs: [-1 + Math.log(1.5), -2 + Math.log(0.9)],
    entropy: [0.5, 0.7],
    values: [1, 0.9],
    oldLogProbs: [-1, -2],
    advantages: [2, -1],
    returns: [0, 1],
    oldValues: [0.5, 0],
  }, clipOptions);
  close(result.policyLoss, -0.75);
  close(result.valueLoss, 0.41);
  close(result.entropy, 0.6);
  close(result.loss, -0.551);
  assert.equal(result.clipfrac, 0.5);
  close(result.oldApproxKl, -(Math.log(1.5) + Math.log(0.9)) / 2);
  close(result.approxKl, (0.5 - Math.log(1.5) + (-0.1 - Math.log(0.9))) / 2);
  // Row 0 takes the clipped branch (no gradient); row 1 ties inside the range: -adv * ratio / n = 0.9 / 2.
  close(result.gradLogProbs[0]!, 0);
  close(result.gradLogProbs[1]!, 0.45);
  // Row 0: vfCoef * 0.5 * 2 (v - ret) / n = 0.25; row 1 takes the clipped value whose clamp is saturated: 0.
  assert.deepEqual(Array.from(result.gradValues), [0.25, 0]);
  assert.deepEqual(Array.from(result.gradEntropy), [-0.005, -0.005]);
  const unclipped = ppoLoss({
    logProbs: [-1, -2],
    entropy: [0.5, 0.7],
    values: [1, 0.9],
    oldLogProbs: [-1, -2],
    advantages: [2, -1],
    returns: [0, 1],
    oldValues: [0.5, 0],
  }, { ...clipOptions, clipVloss: false });
  close(unclipped.valueLoss, 0.5 * (1 + 0.01) / 2);
});

Deno.test("normalizeAdvantages() uses the mean and PyTorch's unbiased std plus 1e-8", () => {
  // mean 2.5; unbiased variance (2.25 + 0.25 + 0.25 + 2.25) / 3 = 5 / 3.
  const std = Math.sqrt(5 / 3);
  const out = normalizeAdvantages([1, 2, 3, 4]);
  [1, 2, 3, 4].forEach((a, i) => close(out[i]!, (a - 2.5) / (std + 1e-8)));
  assert.throws(() => normalizeAdvantages([1]), RangeError);
});

Deno.test("ppoLoss() normalises advantages per minibatch when normAdv is set", () => {
  const advantages = [1, 2, 3, 4];
  const normalized = normalizeAdvantages(advantages);
  const zeros = [0, 0, 0, 0];
  const result = ppoLoss(
    {
      logProbs: zeros,
      entropy: zeros,
      values: zeros,
      oldLogProbs: zeros,
      advantages,
      returns: zeros,
      oldValues: zeros,
    },
    { ...clipOptions, normAdv: true },
  );
  // Ratio 1 everywhere: d loss / d logProb_i = -normalizedAdv_i / n.
  normalized.forEach((a, i) => close(result.gradLogProbs[i]!, -a / 4));
});

Deno.test("ppoLoss() on an unchanged policy has ratio exactly 1: approxKl, oldApproxKl and clipfrac are 0", () => {
  const rng = new Rng(12);
  const logProbs = normals(64, () => rng.normal());
  // Old log-probs stored as float32, as an engine records them.
  const oldLogProbs = Float32Array.from(logProbs);
  const inputs = {
    logProbs,
    entropy: normals(64, () => rng.normal()),
    values: normals(64, () => rng.normal()),
    oldLogProbs,
    advantages: normals(64, () => rng.normal()),
    returns: normals(64, () => rng.normal()),
    oldValues: normals(64, () => rng.normal()),
  };
  const rounded = ppoLoss(inputs, { ...clipOptions, roundLogProbs: true });
  assert.equal(rounded.approxKl, 0);
  assert.equal(rounded.oldApproxKl, 0);
  assert.equal(rounded.clipfrac, 0);
  // Without rounding the float32 storage error shows up as a tiny non-zero KL.
  assert.notEqual(ppoLoss(inputs, clipOptions).oldApproxKl, 0);
});

Deno.test("ppoLoss() gradients match central differences, with and without value clipping and normAdv", () => {
  const rng = new Rng(13);
  const n = 40;
  for (const options of [clipOptions, { ...clipOptions, clipVloss: false, normAdv: true }]) {
    const logProbs = normals(n, () => rng.normal());
    const ratios = logRatios(rng, n);
    const values = normals(n, () => rng.normal());
    const deltas = valueDeltas(rng, n);
    const inputs = {
      logProbs,
      entropy: normals(n, () => rng.uniform(0, 2)),
      values,
      oldLogProbs: logProbs.map((x, i) => x - ratios[i]!),
      advantages: normals(n, () => rng.normal()),
      returns: normals(n, () => rng.normal()),
      oldValues: values.map((v, i) => v - deltas[i]!),
    };
    const result = ppoLoss(inputs, options);
    assert.ok(result.clipfrac > 0.2 && result.clipfrac < 0.9, `clipfrac ${result.clipfrac}`);
    const loss = () => ppoLoss(inputs, options).loss;
    assertGradientsClose(result.gradLogProbs, centralDifferences(loss, logProbs, range(n)), "dL/dlogProbs");
    assertGradientsClose(result.gradValues, centralDifferences(loss, values, range(n)), "dL/dvalues");
    assertGradientsClose(
      result.gradEntropy,
      centralDifferences(loss, inputs.entropy, range(n)),
      "dL/dentropy",
    );
  }
});

Deno.test("ppoHeadLoss() gradients with respect to masked logits and values match central differences", () => {
  const rng = new Rng(14);
  const n = 4;
  const batch = 24;
  const logits = normals(batch * n, () => rng.normal());
  const mask = Uint8Array.from({ length: batch * n }, (_, i) => (i % n === (i / n | 0) % n ? 0 : 1));
  // Row b masks action b % n and takes action (b + 1) % n.
  const actions = Float64Array.from({ length: batch }, (_, b) => (b + 1) % n);
  const values = normals(batch, () => rng.normal());
  const current = categoricalLogProb(logits, actions, { n, mask });
  const ratios = logRatios(rng, batch);
  const deltas = valueDeltas(rng, batch);
  const rollout = {
    actions,
    oldLogProbs: current.map((x, i) => x - ratios[i]!),
    advantages: normals(batch, () => rng.normal()),
    returns: normals(batch, () => rng.normal()),
    oldValues: values.map((v, i) => v - deltas[i]!),
  };
  const options = { ...clipOptions, entCoef: 0.1, normAdv: true };
  const outputs = () => ({ kind: "categorical" as const, n, logits, mask, values });
  const result = ppoHeadLoss(outputs(), rollout, options);
  const loss = () => ppoHeadLoss(outputs(), rollout, options).loss;
  assertGradientsClose(
    result.gradPolicy,
    centralDifferences(loss, logits, range(logits.length)),
    "dL/dlogits",
  );
  assertGradientsClose(result.gradValues, centralDifferences(loss, values, range(batch)), "dL/dvalues");
  mask.forEach((m, i) => m === 0 && assert.equal(result.gradPolicy[i], 0));
  assert.equal(result.gradLogStd, null);
  close(result.entropy, categoricalEntropy(logits, { n, mask }).reduce((a, b) => a + b) / batch);
});

Deno.test("ppoHeadLoss() gradients with respect to gaussian means, log-std and values match central differences", () => {
  const rng = new Rng(15);
  const dim = 2;
  const batch = 24;
  const means = normals(batch * dim, () => rng.normal());
  const logStd = Float64Array.from([-0.3, 0.4]);
  const actions = normals(batch * dim, () => rng.normal());
  const values = normals(batch, () => rng.normal());
  const current = gaussianLogProb(means, actions, { logStd });
  const ratios = logRatios(rng, batch);
  const deltas = valueDeltas(rng, batch);
  const rollout = {
    actions,
    oldLogProbs: current.map((x, i) => x - ratios[i]!),
    advantages: normals(batch, () => rng.normal()),
    returns: normals(batch, () => rng.normal()),
    oldValues: values.map((v, i) => v - deltas[i]!),
  };
  const options = { ...clipOptions, entCoef: 0.1, normAdv: true };
  const outputs = () => ({ kind: "gaussian" as const, means, logStd, values });
  const result = ppoHeadLoss(outputs(), rollout, options);
  const loss = () => ppoHeadLoss(outputs(), rollout, options).loss;
  assertGradientsClose(result.gradPolicy, centralDifferences(loss, means, range(means.length)), "dL/dmeans");
  assertGradientsClose(result.gradLogStd!, centralDifferences(loss, logStd, range(dim)), "dL/dlogStd");
  assertGradientsClose(result.gradValues, centralDifferences(loss, values, range(batch)), "dL/dvalues");
});

Deno.test("ppoLoss() rejects inputs of different lengths with a TypeError and an empty minibatch with a RangeError", () => {
  const inputs = {
    logProbs: [0],
    entropy: [0],
    values: [0],
    oldLogProbs: [0],
    advantages: [0],
    returns: [0],
    oldValues: [0],
  };
  assert.throws(() => ppoLoss({ ...inputs, returns: [0, 1] }, clipOptions), TypeError);
  const empty = {
    logProbs: [],
    entropy: [],
    values: [],
    oldLogProbs: [],
    advantages: [],
    returns: [],
    oldValues: [],
  };
  assert.throws(() => ppoLoss(empty, clipOptions), RangeError);
});
