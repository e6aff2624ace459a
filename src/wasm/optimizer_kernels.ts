/**
 * Generators of the WebAssembly SIMD engine's optimizer kernels: the gradient's sum of squares (for global
 * norm clipping) and Adam, which also refreshes the transposed copy of each weight matrix that the forward
 * kernels read, so no separate transpose pass runs.
 *
 * @module
 */
import { FunctionBody } from "./wasm_module.ts";

const VECTOR_BYTES = 16;
const FLOAT_BYTES = 4;

/** Adam's fixed coefficients (PyTorch's defaults, as CleanRL uses them). */
const BETA1 = 0.9;
const BETA2 = 0.999;

/**
 * `sumSquares(g, vectors) -> f64`: the sum of squares of `4 * vectors` floats, accumulated in float64 so a
 * large gradient's norm is neither overflowed nor rounded away.
 *
 * @returns The function body.
 */
export function sumSquaresKernel(): FunctionBody {
  const body = new FunctionBody(["i32", "i32"], ["f64"]);
  const [G, LEFT] = [0, 1];
  const sum = body.local("v128");
  const x = body.local("v128");
  const half = body.local("v128");
  body.zero().set(sum);
  body.block().get(LEFT).eqz().brIf(0).loop();
  body.get(G).load().set(x);
  body.get(x).promoteLow().tee(half).get(half).f64x2Mul().get(sum).f64x2Add().set(sum);
  body.get(x).get(x).highHalf().promoteLow().tee(half).get(half).f64x2Mul().get(sum).f64x2Add().set(sum);
  body.get(G).i32(VECTOR_BYTES).add().set(G);
  body.get(LEFT).i32(1).sub().tee(LEFT).eqz().brIf(1).br(0);
  body.end().end();
  body.get(sum).f64x2ExtractLane(0).get(sum).f64x2ExtractLane(1).f64Add();
  return body;
}

/** Emits one Adam update of the vector at byte `offset` from the p/g/m/v pointers; leaves the new p in `out`. */
function adamVector(
  body: FunctionBody,
  pointers: { p: number; g: number; m: number; v: number },
  offset: number,
  constants: {
    scale: number;
    step: number;
    invBc2: number;
    eps: number;
    oneMinusBeta1: number;
    beta2: number;
    oneMinusBeta2: number;
  },
  scratch: { g: number; m: number; v: number },
  out: number,
): void {
  const { p, g, m, v } = pointers;
  body.get(g).load(offset).get(constants.scale).vMul().set(scratch.g);
  // m += (1 - beta1) (g - m)
  body.get(m).load(offset).tee(scratch.m).get(scratch.g).get(scratch.m).vSub().get(constants.oneMinusBeta1)
    .vMul()
    .vAdd().set(scratch.m);
  body.get(m).get(scratch.m).store(offset);
  // v = beta2 v + (1 - beta2) g^2
  body.get(v).load(offset).get(constants.beta2).vMul().get(scratch.g).get(scratch.g).vMul()
    .get(constants.oneMinusBeta2).vMul().vAdd().set(scratch.v);
  body.get(v).get(scratch.v).store(offset);
  // p -= stepSize m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
  body.get(p).load(offset).get(constants.step).get(scratch.m).vMul()
    .get(scratch.v).sqrt().get(constants.invBc2).vMul().get(constants.eps).vAdd().vDiv().vSub().set(out);
  body.get(p).get(out).store(offset);
}

/** Splats the four floats at the address in parameter `scalars`: scale, stepSize, 1/sqrt(1 - beta2^t), eps. */
function adamConstants(body: FunctionBody, scalars: number) {
  const splatParam = (index: number) => {
    const local = body.local("v128");
    body.get(scalars).loadSplat(index * 4).set(local);
    return local;
  };
  const constant = (value: number) => {
    const local = body.local("v128");
    body.splatConst(value).set(local);
    return local;
  };
  return {
    scale: splatParam(0),
    step: splatParam(1),
    invBc2: splatParam(2),
    eps: splatParam(3),
    oneMinusBeta1: constant(1 - BETA1),
    beta2: constant(BETA2),
    oneMinusBeta2: constant(1 - BETA2),
  };
}

/**
 * `adamVectors(p, g, m, v, vectors, scalars)`: one Adam step over `4 * vectors` parameters with the gradient
 * multiplied by `scale` (the global-norm clip); biases and log-std. `scalars` is the address of four floats:
 * scale, stepSize (learning rate / (1 - beta1^t)), 1 / sqrt(1 - beta2^t) and eps. All arguments are i32, so
 * the calls can be posted to a worker as integers.
 *
 * @returns The function body.
 */
export function adamVectorsKernel(): FunctionBody {
  const body = new FunctionBody(["i32", "i32", "i32", "i32", "i32", "i32"]);
  const [P, G, M, V, LEFT, SCALARS] = [0, 1, 2, 3, 4, 5];
  const constants = adamConstants(body, SCALARS);
  const scratch = { g: body.local("v128"), m: body.local("v128"), v: body.local("v128") };
  const out = body.local("v128");
  body.block().get(LEFT).eqz().brIf(0).loop();
  adamVector(body, { p: P, g: G, m: M, v: V }, 0, constants, scratch, out);
  for (const pointer of [P, G, M, V]) body.get(pointer).i32(VECTOR_BYTES).add().set(pointer);
  body.get(LEFT).i32(1).sub().tee(LEFT).eqz().brIf(1).br(0);
  body.end().end();
  return body;
}

/** The shape of a weight matrix for {@linkcode adamMatrixKernel}. */
export interface AdamMatrixShape {
  /** Real columns (the layer's inputs). */
  readonly columns: number;
  /** Row stride of the matrix and its moments, in floats (a multiple of 4). */
  readonly stride: number;
  /** Row stride of the transposed copy, in floats. */
  readonly transposedStride: number;
}

/**
 * `adamMatrix(p, g, m, v, transposed, rows, scalars)`: one Adam step over a `[rows, stride]` weight matrix
 * (scalars as for {@linkcode adamVectorsKernel}) that also writes each new weight `W[n, k]` to
 * `transposed[k, n]`.
 *
 * @param shape Columns and strides.
 * @returns The function body.
 */
export function adamMatrixKernel(shape: AdamMatrixShape): FunctionBody {
  const { columns, stride, transposedStride } = shape;
  if (stride % 4 !== 0 || columns > stride || columns < 1) {
    throw new RangeError(
      `Cannot generate an Adam kernel as stride must be a multiple of 4 holding the columns: current value is ${stride} for ${columns} columns`,
    );
  }
  const body = new FunctionBody(["i32", "i32", "i32", "i32", "i32", "i32", "i32"]);
  const [P, G, M, V, T, ROWS, SCALARS] = [0, 1, 2, 3, 4, 5, 6];
  const constants = adamConstants(body, SCALARS);
  const scratch = { g: body.local("v128"), m: body.local("v128"), v: body.local("v128") };
  const out = body.local("v128");
  body.block().get(ROWS).eqz().brIf(0).loop();
  for (let j = 0; j < stride / 4; j++) {
    adamVector(body, { p: P, g: G, m: M, v: V }, j * VECTOR_BYTES, constants, scratch, out);
    for (let lane = 0; lane < 4 && 4 * j + lane < columns; lane++) {
      body.get(T).get(out).extractLane(lane).f32Store((4 * j + lane) * transposedStride * FLOAT_BYTES);
    }
  }
  for (const pointer of [P, G, M, V]) body.get(pointer).i32(stride * FLOAT_BYTES).add().set(pointer);
  body.get(T).i32(FLOAT_BYTES).add().set(T);
  body.get(ROWS).i32(1).sub().tee(ROWS).eqz().brIf(1).br(0);
  body.end().end();
  return body;
}
