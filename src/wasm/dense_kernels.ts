/**
 * Generators of the dense-layer kernels of the WebAssembly SIMD engine. Every kernel is specialised to one
 * layer shape: inner sizes, strides and column counts are literal offsets in the code and only the number of
 * rows (the batch) is an argument. Matrices are row-major float32 with row strides that are multiples of 4
 * floats, padded with zeros, so every row starts 16-byte aligned and whole `f32x4` vectors cover it.
 *
 * Register blocking: each tile keeps `rows x vectors` accumulators (2 x 4 for wide outputs, 8 x 1 for a
 * 4-column head) in `v128` locals. Every output element is one accumulator summed over the inner index in
 * ascending order, so a row's result never depends on the batch it is computed in.
 *
 * @module
 */
import { TANH_COEFFICIENTS } from "../core/tanh_rational.ts";
import { FunctionBody } from "./wasm_module.ts";

/** What a product does after the sum. */
export type Epilogue =
  /** Forward: add the bias vector, then an activation. */
  | { readonly kind: "forward"; readonly activation: "tanh" | "relu" | "identity" }
  /**
   * Input gradient: optionally add what the output already holds (a second head's gradient into a shared
   * trunk), then optionally multiply by the derivative of the activation whose outputs are at the third
   * pointer (`1 - h^2` for tanh, `h > 0` for ReLU).
   */
  | {
    readonly kind: "backward";
    readonly accumulate: boolean;
    readonly derivative: "tanh" | "relu" | "none";
  };

/** The shape of `C[rows, outColumns] = epilogue(A[rows, inner] . M[inner, outColumns])`. */
export interface GemmShape {
  /** Length of the sum (the inner dimension). */
  readonly inner: number;
  /** Row stride of A, in floats. */
  readonly aStride: number;
  /** Row stride of M, in floats (a multiple of 4). */
  readonly mStride: number;
  /** Columns computed (a multiple of 4, at most `mStride`). */
  readonly outColumns: number;
  /** Row stride of C (and of the bias-free third operand), in floats (a multiple of 4). */
  readonly cStride: number;
  /** What follows the sum. */
  readonly epilogue: Epilogue;
  /** Use `f32x4.relaxed_madd` (one fused instruction) instead of `f32x4.mul` + `f32x4.add`. */
  readonly relaxed: boolean;
}

/**
 * Sums at most this long are unrolled completely; longer ones loop over chunks of `CHUNK` (a full unroll of
 * 64 terms measured 15 GFLOP/s against 50 for 8-term chunks: straight-line code that long spills registers).
 */
const FULL_UNROLL = 16;
const CHUNK = 8;
const VECTOR_BYTES = 16;
const FLOAT_BYTES = 4;

/** Accumulator tile for an output of `vectors` f32x4 columns: enough independent sums, within 16 registers. */
function tileFor(vectors: number): { rows: number; vectors: number } {
  if (vectors >= 4) return { rows: 2, vectors: 4 };
  if (vectors === 3) return { rows: 2, vectors: 3 };
  if (vectors === 2) return { rows: 4, vectors: 2 };
  return { rows: 8, vectors: 1 };
}

function checkShape(what: string, values: Record<string, number>): void {
  for (const [key, value] of Object.entries(values)) {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(
        `Cannot generate ${what} as ${key} must be a non-negative integer: current value is ${value}`,
      );
    }
  }
}

/** Emits `acc = a * b + acc` with the two factors on the stack. */
function madd(body: FunctionBody, accumulator: number, relaxed: boolean): void {
  if (relaxed) body.get(accumulator).relaxedMadd().set(accumulator);
  else body.vMul().get(accumulator).vAdd().set(accumulator);
}

/** Locals holding the tanh rational's coefficients (V8 rebuilds a `v128.const` at every use). */
interface TanhConstants {
  readonly p: readonly number[];
  readonly q: readonly number[];
  readonly limit: number;
  readonly one: number;
}

function hoistTanhConstants(body: FunctionBody): TanhConstants {
  const hoist = (value: number) => {
    const local = body.local("v128");
    body.splatConst(value).set(local);
    return local;
  };
  return {
    p: TANH_COEFFICIENTS.p.map(hoist),
    q: TANH_COEFFICIENTS.q.map(hoist),
    limit: hoist(TANH_COEFFICIENTS.limit),
    one: hoist(1),
  };
}

/** Replaces the v128 in `value` by its tanh: `x P(x^2) / Q(x^2)` with x clamped to the rational's range. */
function emitTanh(body: FunctionBody, value: number, t: number, constants: TanhConstants): void {
  // x = min(max(x, -limit), limit): the negated limit is 0 - limit.
  body.get(value).zero().get(constants.limit).vSub().vMax().get(constants.limit).vMin().tee(value);
  body.get(value).vMul().set(t);
  const horner = (coefficients: readonly number[]) => {
    body.get(coefficients[coefficients.length - 1]!);
    for (let i = coefficients.length - 2; i >= 0; i--) body.get(t).vMul().get(coefficients[i]!).vAdd();
  };
  body.get(value);
  horner(constants.p);
  body.vMul();
  horner(constants.q);
  body.vDiv().set(value);
}

/**
 * `gemm(a, m, third, c, rows)`: `C = epilogue(A . M)` for `rows` rows, with byte addresses. `third` is the
 * bias (forward) or the activation outputs for the derivative (backward; unused otherwise).
 *
 * @param shape Sizes, strides, epilogue and multiply-add form.
 * @returns The function body.
 */
export function gemmKernel(shape: GemmShape): FunctionBody {
  const { inner, aStride, mStride, outColumns, cStride, epilogue, relaxed } = shape;
  checkShape("a dense kernel", { inner, aStride, mStride, outColumns, cStride });
  if (outColumns % 4 !== 0 || mStride % 4 !== 0 || cStride % 4 !== 0 || outColumns > mStride) {
    throw new RangeError(
      `Cannot generate a dense kernel as outColumns, mStride and cStride must be multiples of 4 with outColumns <= mStride: current value is ${outColumns}, ${mStride}, ${cStride}`,
    );
  }
  const body = new FunctionBody(["i32", "i32", "i32", "i32", "i32"]);
  const [A, M, THIRD, C, ROWS] = [0, 1, 2, 3, 4];
  const tanh = (epilogue.kind === "forward" && epilogue.activation === "tanh")
    ? hoistTanhConstants(body)
    : null;
  const zero = body.local("v128");
  body.zero().set(zero);
  const one = body.local("v128");
  body.splatConst(1).set(one);
  const t = body.local("v128");
  const aK = body.local("i32");
  const mK = body.local("i32");
  const kLeft = body.local("i32");
  const vectors = outColumns / 4;
  const full = tileFor(vectors);
  const accumulators = Array.from({ length: full.rows * full.vectors }, () => body.local("v128"));
  const splats = Array.from({ length: full.rows }, () => body.local("v128"));

  /** One tile: `rows` rows from the current A/C/THIRD row pointers, `count` vectors from column `first`. */
  const tile = (rows: number, first: number, count: number) => {
    const acc = (r: number, v: number) => accumulators[r * count + v]!;
    for (let r = 0; r < rows; r++) {
      for (let v = 0; v < count; v++) {
        if (epilogue.kind === "forward") body.get(THIRD).load((first + v) * VECTOR_BYTES).set(acc(r, v));
        else body.get(zero).set(acc(r, v));
      }
    }
    // k runs from 0 to inner - 1 in order, in unrolled steps with literal offsets.
    const step = (k: number, aBase: number, mBase: number) => {
      for (let r = 0; r < rows; r++) {
        body.get(aBase).loadSplat((r * aStride + k) * FLOAT_BYTES).set(splats[r]!);
      }
      for (let v = 0; v < count; v++) {
        const offset = (k * mStride + (first + v) * 4) * FLOAT_BYTES;
        for (let r = 0; r < rows; r++) {
          body.get(splats[r]!).get(mBase).load(offset);
          madd(body, acc(r, v), relaxed);
        }
      }
    };
    if (inner <= FULL_UNROLL) {
      for (let k = 0; k < inner; k++) step(k, A, M);
    } else {
      const chunks = Math.floor(inner / CHUNK);
      body.get(A).set(aK).get(M).set(mK).i32(chunks).set(kLeft);
      body.block().loop();
      for (let k = 0; k < CHUNK; k++) step(k, aK, mK);
      body.get(aK).i32(CHUNK * FLOAT_BYTES).add().set(aK);
      body.get(mK).i32(CHUNK * mStride * FLOAT_BYTES).add().set(mK);
      body.get(kLeft).i32(1).sub().tee(kLeft).eqz().brIf(1).br(0);
      body.end().end();
      for (let k = 0; k < inner % CHUNK; k++) step(k, aK, mK);
    }
    for (let r = 0; r < rows; r++) {
      for (let v = 0; v < count; v++) {
        const offset = (r * cStride + (first + v) * 4) * FLOAT_BYTES;
        const value = acc(r, v);
        if (epilogue.kind === "forward") {
          if (epilogue.activation === "relu") body.get(value).get(zero).vMax().set(value);
          if (tanh !== null) emitTanh(body, value, t, tanh);
        } else {
          if (epilogue.accumulate) body.get(value).get(C).load(offset).vAdd().set(value);
          if (epilogue.derivative === "tanh") {
            // dh * (1 - h^2), h being the activation output.
            body.get(THIRD).load(offset).set(t);
            body.get(value).get(one).get(t).get(t).vMul().vSub().vMul().set(value);
          } else if (epilogue.derivative === "relu") {
            body.get(value).get(THIRD).load(offset).get(zero).gt().and().set(value);
          }
        }
        body.get(C).get(value).store(offset);
      }
    }
  };

  /** Loops over row blocks of `rows` while at least that many remain. */
  const rowLoop = (rows: number) => {
    body.block().loop();
    body.get(ROWS).i32(rows).ltU().brIf(1);
    for (let first = 0; first < vectors; first += full.vectors) {
      tile(rows, first, Math.min(full.vectors, vectors - first));
    }
    body.get(A).i32(rows * aStride * FLOAT_BYTES).add().set(A);
    body.get(C).i32(rows * cStride * FLOAT_BYTES).add().set(C);
    if (epilogue.kind === "backward") body.get(THIRD).i32(rows * cStride * FLOAT_BYTES).add().set(THIRD);
    body.get(ROWS).i32(rows).sub().set(ROWS);
    body.br(0);
    body.end().end();
  };
  rowLoop(full.rows);
  if (full.rows > 1) rowLoop(1);
  return body;
}

/** The shape of `G[outRows, columns] = A[rows, outRows]^T . B[rows, columns]` (a weight gradient). */
export interface GemmTnShape {
  /** Rows of the result: the layer's outputs (columns of A that are read). */
  readonly outRows: number;
  /** Row stride of A (the output gradient), in floats. */
  readonly aStride: number;
  /** Columns of the result and of B that are read (a multiple of 4). */
  readonly columns: number;
  /** Row stride of B (the layer's input), in floats (a multiple of 4). */
  readonly bStride: number;
  /** Row stride of G, in floats (a multiple of 4). */
  readonly gStride: number;
  /** Use `f32x4.relaxed_madd`. */
  readonly relaxed: boolean;
}

/**
 * `gemmTn(a, b, g, rows)`: the weight gradient `dW[n, k] = sum_rows dY[row, n] X[row, k]`, written over `G`,
 * summed over rows in ascending order.
 *
 * @param shape Sizes, strides and multiply-add form.
 * @returns The function body.
 */
export function gemmTnKernel(shape: GemmTnShape): FunctionBody {
  const { outRows, aStride, columns, bStride, gStride, relaxed } = shape;
  checkShape("a weight-gradient kernel", { outRows, aStride, columns, bStride, gStride });
  if (columns % 4 !== 0 || bStride % 4 !== 0 || gStride % 4 !== 0) {
    throw new RangeError(
      `Cannot generate a weight-gradient kernel as columns, bStride and gStride must be multiples of 4: current value is ${columns}, ${bStride}, ${gStride}`,
    );
  }
  const body = new FunctionBody(["i32", "i32", "i32", "i32"]);
  const [A, B, G, ROWS] = [0, 1, 2, 3];
  const aRow = body.local("i32");
  const bRow = body.local("i32");
  const left = body.local("i32");
  const aTile = body.local("i32");
  const gTile = body.local("i32");
  const blocksLeft = body.local("i32");
  const vectors = columns / 4;
  const full = tileFor(vectors);
  const accumulators = Array.from({ length: full.rows * full.vectors }, () => body.local("v128"));
  const splats = Array.from({ length: full.rows }, () => body.local("v128"));

  /** One tile of `rows` output rows (from aTile's column, gTile's row) and `count` vectors from `first`. */
  const tile = (rows: number, first: number, count: number) => {
    const acc = (r: number, v: number) => accumulators[r * count + v]!;
    for (let i = 0; i < rows * count; i++) body.zero().set(accumulators[i]!);
    body.get(aTile).set(aRow).get(B).set(bRow).get(ROWS).set(left);
    body.block().get(left).eqz().brIf(0).loop();
    for (let r = 0; r < rows; r++) body.get(aRow).loadSplat(r * FLOAT_BYTES).set(splats[r]!);
    for (let v = 0; v < count; v++) {
      for (let r = 0; r < rows; r++) {
        body.get(splats[r]!).get(bRow).load((first + v) * VECTOR_BYTES);
        madd(body, acc(r, v), relaxed);
      }
    }
    body.get(aRow).i32(aStride * FLOAT_BYTES).add().set(aRow);
    body.get(bRow).i32(bStride * FLOAT_BYTES).add().set(bRow);
    body.get(left).i32(1).sub().tee(left).eqz().brIf(1).br(0);
    body.end().end();
    for (let r = 0; r < rows; r++) {
      for (let v = 0; v < count; v++) {
        body.get(gTile).get(acc(r, v)).store((r * gStride + (first + v) * 4) * FLOAT_BYTES);
      }
    }
  };

  /** Output rows in blocks of `rows`, from the current aTile/gTile, `count` of them. */
  const rowBlocks = (rows: number, count: number) => {
    if (count === 0) return;
    body.i32(count).set(blocksLeft);
    body.loop();
    for (let first = 0; first < vectors; first += full.vectors) {
      tile(rows, first, Math.min(full.vectors, vectors - first));
    }
    body.get(aTile).i32(rows * FLOAT_BYTES).add().set(aTile);
    body.get(gTile).i32(rows * gStride * FLOAT_BYTES).add().set(gTile);
    body.get(blocksLeft).i32(1).sub().tee(blocksLeft).eqz().eqz().brIf(0);
    body.end();
  };
  body.get(A).set(aTile).get(G).set(gTile);
  rowBlocks(full.rows, Math.floor(outRows / full.rows));
  rowBlocks(1, outRows % full.rows);
  return body;
}

/** The shape of a bias gradient `db[columns] = sum_rows dY[row, :]`. */
export interface ColumnSumShape {
  /** Columns summed (a multiple of 4). */
  readonly columns: number;
  /** Row stride of dY, in floats (a multiple of 4). */
  readonly stride: number;
}

/**
 * `columnSum(a, out, rows)`: `out[c] = sum_rows A[row, c]` in ascending row order.
 *
 * @param shape Columns and stride.
 * @returns The function body.
 */
export function columnSumKernel(shape: ColumnSumShape): FunctionBody {
  const { columns, stride } = shape;
  checkShape("a bias-gradient kernel", { columns, stride });
  if (columns % 4 !== 0 || stride % 4 !== 0) {
    throw new RangeError(
      `Cannot generate a bias-gradient kernel as columns and stride must be multiples of 4: current value is ${columns}, ${stride}`,
    );
  }
  const body = new FunctionBody(["i32", "i32", "i32"]);
  const [A, OUT, ROWS] = [0, 1, 2];
  const row = body.local("i32");
  const left = body.local("i32");
  const sums = Array.from({ length: Math.min(columns / 4, 8) }, () => body.local("v128"));
  for (let first = 0; first < columns / 4; first += sums.length) {
    const count = Math.min(sums.length, columns / 4 - first);
    for (let v = 0; v < count; v++) body.zero().set(sums[v]!);
    body.get(A).set(row).get(ROWS).set(left);
    body.block().get(left).eqz().brIf(0).loop();
    for (let v = 0; v < count; v++) {
      body.get(sums[v]!).get(row).load((first + v) * VECTOR_BYTES).vAdd().set(sums[v]!);
    }
    body.get(row).i32(stride * FLOAT_BYTES).add().set(row);
    body.get(left).i32(1).sub().tee(left).eqz().brIf(1).br(0);
    body.end().end();
    for (let v = 0; v < count; v++) body.get(OUT).get(sums[v]!).store((first + v) * VECTOR_BYTES);
  }
  return body;
}
