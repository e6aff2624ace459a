import assert from "node:assert/strict";
import { adamStep } from "../../src/core/adam_step.ts";

function close(actual: number, expected: number, tolerance = 1e-13): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} vs ${expected}`);
}

Deno.test("adamStep() reproduces a hand-worked two-step example with PyTorch's bias correction and eps 1e-5", () => {
  const buffers = { params: new Float64Array([1, -2]), m: new Float64Array(2), v: new Float64Array(2) };
  // Parameter 0, lr 0.1, betas (0.9, 0.999), eps 1e-5:
  // step 1, g = 0.5: m = 0.1 * 0.5 = 0.05; v = 0.001 * 0.25 = 0.00025
  //   m_hat = 0.05 / (1 - 0.9) = 0.5; sqrt(v_hat) = sqrt(0.00025 / (1 - 0.999)) = sqrt(0.25) = 0.5
  //   p = 1 - 0.1 * 0.5 / (0.5 + 1e-5) = 1 - 0.05 / 0.50001 = 0.90000199996000080
  // step 2, g = -1: m = 0.9 * 0.05 + 0.1 * -1 = -0.055; v = 0.999 * 0.00025 + 0.001 * 1 = 0.00124975
  //   m_hat = -0.055 / (1 - 0.81) = -0.28947368421052632; v_hat = 0.00124975 / (1 - 0.998001) = 0.62518759379689845
  //   sqrt(v_hat) = 0.79068805087524780
  //   p = 0.90000199996000080 + 0.1 * 0.28947368421052632 / 0.79069805087524780 = 0.93661188965052161
  // Parameter 1, constant g = 0.2: m_hat = 0.2 and sqrt(v_hat) = 0.2 at both steps (the bias corrections cancel
  //   the warm-up exactly), so each step moves by 0.1 * 0.2 / 0.20001 = 0.09999500024998750.
  adamStep(buffers, [0.5, 0.2], { step: 1, learningRate: 0.1 });
  close(buffers.params[0]!, 0.9000019999600008);
  close(buffers.m[0]!, 0.05, 1e-15);
  close(buffers.v[0]!, 0.00025, 1e-15);
  close(buffers.params[1]!, -2.0999950002499875);
  adamStep(buffers, [-1, 0.2], { step: 2, learningRate: 0.1 });
  close(buffers.m[0]!, -0.055, 1e-15);
  close(buffers.v[0]!, 0.00124975, 1e-15);
  close(buffers.params[0]!, 0.9366118896505216);
  close(buffers.params[1]!, -2.199990000499975);
});

Deno.test("adamStep() updates each range at its own learning rate and leaves the rest untouched", () => {
  const buffers = { params: new Float64Array([1, -2, 3]), m: new Float64Array(3), v: new Float64Array(3) };
  const ranges = [{ offset: 0, size: 1, learningRate: 0.1 }, { offset: 1, size: 1, learningRate: 0.05 }];
  adamStep(buffers, [0.5, 0.2, 7], { step: 1, learningRate: 123, ranges });
  adamStep(buffers, [-1, 0.2, 7], { step: 2, learningRate: 123, ranges });
  close(buffers.params[0]!, 0.9366118896505216);
  // Half the learning rate, half the constant-gradient move: 2 * 0.05 * 0.2 / 0.20001.
  close(buffers.params[1]!, -2.0999950002499875);
  assert.deepEqual([buffers.params[2], buffers.m[2], buffers.v[2]], [3, 0, 0]);
});

Deno.test("adamStep() stores float32 moments and parameters in float32", () => {
  const buffers = { params: new Float32Array([1]), m: new Float32Array(1), v: new Float32Array(1) };
  adamStep(buffers, [0.1], { step: 1, learningRate: 0.01 });
  assert.equal(buffers.m[0], Math.fround(0.1 * 0.1));
  assert.equal(
    buffers.params[0],
    Math.fround(1 - 0.01 * 0.1 / (Math.sqrt(Math.fround(0.001 * 0.01) / 0.001) + 1e-5)),
  );
});

Deno.test("adamStep() rejects mismatched lengths with a TypeError and a bad step or range with a RangeError", () => {
  const buffers = { params: new Float64Array(2), m: new Float64Array(2), v: new Float64Array(2) };
  assert.throws(() => adamStep(buffers, [1], { step: 1, learningRate: 1 }), TypeError);
  assert.throws(() => adamStep(buffers, [1, 1], { step: 0, learningRate: 1 }), RangeError);
  const ranges = [{ offset: 1, size: 2, learningRate: 1 }];
  assert.throws(() => adamStep(buffers, [1, 1], { step: 1, learningRate: 1, ranges }), RangeError);
});
