import assert from "node:assert/strict";
import { denseBackward } from "../../src/core/dense_backward.ts";
import { denseForward } from "../../src/core/dense_forward.ts";
import { Rng } from "../../src/core/rng.ts";
import { columnSumKernel, gemmKernel, gemmTnKernel } from "../../src/wasm/dense_kernels.ts";
import { encodeModule, wasmFeatures } from "../../src/wasm/wasm_module.ts";

const pad4 = (n: number) => Math.ceil(n / 4) * 4;

/** A bump allocator over one memory: every block 16-byte aligned, handed out as float views. */
class Arena {
  readonly memory = new WebAssembly.Memory({ initial: 256 });
  #next = 64;
  alloc(floats: number): { address: number; view: Float32Array } {
    const address = this.#next;
    this.#next += Math.ceil((floats * 4) / 64) * 64 + 64;
    return { address, view: new Float32Array(this.memory.buffer, address, floats) };
  }
}

function random(rng: Rng, n: number, scale = 1): Float64Array {
  return Float64Array.from({ length: n }, () => rng.uniform(-1, 1) * scale);
}

/** Max |a - e| / max(1, max|e|) over the real (unpadded) entries. */
function relativeError(actual: (i: number) => number, expected: ArrayLike<number>): number {
  let worst = 0;
  let scale = 1;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]!));
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual(i) - expected[i]!));
  return worst / scale;
}

const SHAPES = [
  { inDim: 4, outDim: 64 },
  { inDim: 64, outDim: 64 },
  { inDim: 64, outDim: 2 },
  { inDim: 64, outDim: 1 },
  { inDim: 3, outDim: 64 },
  { inDim: 8, outDim: 1024 },
  { inDim: 1024, outDim: 24 },
  { inDim: 130, outDim: 20 },
];
const BATCHES = [1, 4, 7, 128];
const MODES = wasmFeatures().relaxedSimd ? [false, true] : [false];

for (const relaxed of MODES) {
  for (const activation of ["tanh", "relu", "identity"] as const) {
    Deno.test(`wasm dense kernels match core denseForward/denseBackward (${activation}, ${relaxed ? "relaxed madd" : "mul+add"})`, async () => {
      const rng = new Rng(7);
      for (const { inDim, outDim } of SHAPES) {
        const kp = pad4(inDim);
        const np = pad4(outDim);
        const derivative = activation === "identity" ? "none" : activation;
        const bytes = encodeModule([
          {
            name: "forward",
            body: gemmKernel({
              inner: inDim,
              aStride: kp,
              mStride: np,
              outColumns: np,
              cStride: np,
              epilogue: { kind: "forward", activation },
              relaxed,
            }),
          },
          {
            name: "inputGrad",
            body: gemmKernel({
              inner: outDim,
              aStride: np,
              mStride: kp,
              outColumns: kp,
              cStride: kp,
              epilogue: { kind: "backward", accumulate: false, derivative },
              relaxed,
            }),
          },
          {
            name: "weightGrad",
            body: gemmTnKernel({
              outRows: outDim,
              aStride: np,
              columns: kp,
              bStride: kp,
              gStride: kp,
              relaxed,
            }),
          },
          { name: "biasGrad", body: columnSumKernel({ columns: np, stride: np }) },
        ], { minPages: 256 });
        const arena = new Arena();
        const { instance } = await WebAssembly.instantiate(bytes, { env: { memory: arena.memory } });
        const exports = instance.exports as Record<string, (...args: number[]) => void>;
        for (const batch of BATCHES) {
          const weight = random(rng, outDim * inDim, 1 / Math.sqrt(inDim));
          const bias = random(rng, outDim, 0.1);
          const x = random(rng, batch * inDim);
          const gradOut = random(rng, batch * outDim);
          // The previous layer's activation outputs, for the input gradient's derivative.
          const h = random(rng, batch * inDim, 0.99).map((v) => activation === "relu" ? v * 2 : v);
          const w = arena.alloc(outDim * kp);
          const wt = arena.alloc(inDim * np);
          const b = arena.alloc(np);
          const xs = arena.alloc(batch * kp);
          const y = arena.alloc(batch * np);
          const g = arena.alloc(batch * np);
          const hs = arena.alloc(batch * kp);
          const dx = arena.alloc(batch * kp);
          const dw = arena.alloc(outDim * kp);
          const db = arena.alloc(np);
          for (let n = 0; n < outDim; n++) {
            b.view[n] = bias[n]!;
            for (let k = 0; k < inDim; k++) {
              w.view[n * kp + k] = weight[n * inDim + k]!;
              wt.view[k * np + n] = weight[n * inDim + k]!;
            }
          }
          for (let r = 0; r < batch; r++) {
            for (let k = 0; k < inDim; k++) {
              xs.view[r * kp + k] = x[r * inDim + k]!;
              hs.view[r * kp + k] = h[r * inDim + k]!;
            }
            for (let n = 0; n < outDim; n++) g.view[r * np + n] = gradOut[r * outDim + n]!;
          }
          exports.forward!(xs.address, wt.address, b.address, y.address, batch);
          exports.inputGrad!(g.address, w.address, hs.address, dx.address, batch);
          exports.weightGrad!(g.address, xs.address, dw.address, batch);
          exports.biasGrad!(g.address, db.address, batch);

          // The reference sees the same float32 values.
          const layer = { weight: Float32Array.from(weight), bias: Float32Array.from(bias), inDim, outDim };
          const x32 = Float32Array.from(x);
          const expectedY = denseForward(x32, layer);
          for (let i = 0; i < expectedY.length; i++) {
            const z = expectedY[i]!;
            expectedY[i] = activation === "tanh" ? Math.tanh(z) : activation === "relu" ? Math.max(z, 0) : z;
          }
          const grads = denseBackward(x32, Float32Array.from(gradOut), { layer });
          const expectedDx = grads.gradInput!.map((v, i) => {
            const hv = Math.fround(h[i]!);
            return derivative === "tanh" ? v * (1 - hv * hv) : derivative === "relu" ? (hv > 0 ? v : 0) : v;
          });
          const where = `${inDim}->${outDim} batch ${batch}`;
          const tolerance = 2e-6 * Math.sqrt(Math.max(inDim, outDim, batch));
          const at = (view: Float32Array, stride: number, width: number) => (i: number) =>
            view[Math.floor(i / width) * stride + (i % width)]!;
          const errors = {
            forward: relativeError(at(y.view, np, outDim), expectedY),
            inputGrad: relativeError(at(dx.view, kp, inDim), expectedDx),
            weightGrad: relativeError(at(dw.view, kp, inDim), grads.gradWeight),
            biasGrad: relativeError((i) => db.view[i]!, grads.gradBias),
          };
          for (const [kernel, error] of Object.entries(errors)) {
            assert.ok(error <= tolerance, `${kernel} ${where}: error ${error} > ${tolerance}`);
          }
          // Padding stays zero: forward pads come from zero weights and biases, gradients from zero inputs.
          for (let r = 0; r < batch; r++) {
            for (let n = outDim; n < np; n++) {
              assert.equal(y.view[r * np + n], 0, where);
            }
            for (let k = inDim; k < kp; k++) assert.equal(dx.view[r * kp + k], 0, where);
          }
        }
      }
    });
  }
}

Deno.test("wasm dense kernel generators refuse strides that are not whole vectors", () => {
  assert.throws(
    () =>
      gemmKernel({
        inner: 4,
        aStride: 4,
        mStride: 6,
        outColumns: 4,
        cStride: 4,
        epilogue: { kind: "forward", activation: "tanh" },
        relaxed: false,
      }),
    /multiples of 4/,
  );
  assert.throws(() => columnSumKernel({ columns: 3, stride: 4 }), /multiples of 4/);
});
