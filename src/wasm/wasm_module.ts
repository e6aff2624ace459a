/**
 * A small WebAssembly module emitter: enough of the binary format (types, an imported memory, functions,
 * exports, code) and of the instruction set (i32, i64, f32 and f64 scalars, control flow, 128-bit SIMD and relaxed SIMD)
 * to write the engine's kernels from TypeScript, specialised to each network shape.
 *
 * @module
 */

/** A value type: `i32`, `f32`, `f64` or `v128`. */
export type ValueType = "i32" | "f32" | "f64" | "v128";

const TYPE_CODES: Readonly<Record<ValueType, number>> = { i32: 0x7f, f32: 0x7d, f64: 0x7c, v128: 0x7b };

/** Unsigned LEB128. */
function unsigned(value: number): number[] {
  const out: number[] = [];
  let n = value >>> 0;
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 of a 32-bit integer. */
function signed(value: number): number[] {
  const out: number[] = [];
  let n = value | 0;
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    const done = (n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

/** Signed LEB128 of a 64-bit integer. */
function signed64(value: bigint): number[] {
  const out: number[] = [];
  let n = value;
  for (;;) {
    const byte = Number(n & 0x7fn);
    n >>= 7n;
    const done = (n === 0n && (byte & 0x40) === 0) || (n === -1n && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

function name(text: string): number[] {
  const bytes = [...new TextEncoder().encode(text)];
  return [...unsigned(bytes.length), ...bytes];
}

function vector(items: readonly number[][]): number[] {
  return [...unsigned(items.length), ...items.flat()];
}

function section(id: number, body: number[]): number[] {
  return [id, ...unsigned(body.length), ...body];
}

/** Alignment exponents of memory accesses. */
const ALIGN_4 = 2;
const ALIGN_16 = 4;

/**
 * The body of one function: locals and instructions. Each method appends one instruction and returns `this`, so
 * kernels read as the instruction sequence they emit.
 */
export class FunctionBody {
  /** The function's parameter types (locals 0..params.length-1). */
  readonly params: readonly ValueType[];
  /** The function's result types. */
  readonly results: readonly ValueType[];
  readonly #locals: ValueType[] = [];
  readonly #code: number[] = [];

  /**
   * @param params Parameter types.
   * @param results Result types.
   */
  constructor(params: readonly ValueType[], results: readonly ValueType[] = []) {
    this.params = params;
    this.results = results;
  }

  /** Declares a local and returns its index. */
  local(type: ValueType): number {
    this.#locals.push(type);
    return this.params.length + this.#locals.length - 1;
  }

  /** The encoded body (locals, code, `end`). */
  encode(): number[] {
    const groups: number[][] = [];
    for (const type of this.#locals) {
      const last = groups[groups.length - 1];
      if (last !== undefined && last[1] === TYPE_CODES[type]) last[0]!++;
      else groups.push([1, TYPE_CODES[type]]);
    }
    const body = [
      ...unsigned(groups.length),
      ...groups.flatMap(([count, code]) => [...unsigned(count!), code!]),
      ...this.#code,
      0x0b,
    ];
    return [...unsigned(body.length), ...body];
  }

  #op(...bytes: number[]): this {
    for (const byte of bytes) this.#code.push(byte);
    return this;
  }

  #simd(opcode: number, ...immediates: number[]): this {
    return this.#op(0xfd, ...unsigned(opcode), ...immediates);
  }

  // Variables and constants.
  /** `local.get`. */
  get(index: number): this {
    return this.#op(0x20, ...unsigned(index));
  }
  /** `local.set`. */
  set(index: number): this {
    return this.#op(0x21, ...unsigned(index));
  }
  /** `local.tee`. */
  tee(index: number): this {
    return this.#op(0x22, ...unsigned(index));
  }
  /** `i32.const`. */
  i32(value: number): this {
    return this.#op(0x41, ...signed(value));
  }
  /** `drop`. */
  drop(): this {
    return this.#op(0x1a);
  }

  // Integer arithmetic and comparisons.
  /** `i32.add`. */
  add(): this {
    return this.#op(0x6a);
  }
  /** `i32.sub`. */
  sub(): this {
    return this.#op(0x6b);
  }
  /** `i32.lt_u`. */
  ltU(): this {
    return this.#op(0x49);
  }
  /** `i32.eqz`. */
  eqz(): this {
    return this.#op(0x45);
  }

  // Control flow. Blocks and loops take no parameters and give no results.
  /** `block`. */
  block(): this {
    return this.#op(0x02, 0x40);
  }
  /** `loop`. */
  loop(): this {
    return this.#op(0x03, 0x40);
  }
  /** `end` of a block or loop. */
  end(): this {
    return this.#op(0x0b);
  }
  /** `br depth`. */
  br(depth: number): this {
    return this.#op(0x0c, ...unsigned(depth));
  }
  /** `br_if depth`. */
  brIf(depth: number): this {
    return this.#op(0x0d, ...unsigned(depth));
  }

  /** `i32.mul`. */
  mul(): this {
    return this.#op(0x6c);
  }
  /** `i32.eq`. */
  eq(): this {
    return this.#op(0x46);
  }
  /** `i32.ne`. */
  ne(): this {
    return this.#op(0x47);
  }
  /** `i32.lt_s`. */
  ltS(): this {
    return this.#op(0x48);
  }
  /** `i32.ge_s`. */
  geS(): this {
    return this.#op(0x4e);
  }
  /** `i32.shr_s`. */
  shrS(): this {
    return this.#op(0x75);
  }
  /** `i32.and`. */
  andI32(): this {
    return this.#op(0x71);
  }
  /** `i32.or`. */
  orI32(): this {
    return this.#op(0x72);
  }
  /** `i32.load8_u offset`: one byte, zero-extended. */
  load8(offset = 0): this {
    return this.#op(0x2d, 0, ...unsigned(offset));
  }
  /** `i32.trunc_sat_f64_s`: an f64 to i32, saturating (NaN gives 0). */
  truncF64(): this {
    return this.#op(0xfc, 0x02);
  }

  /** `if` (no results). */
  if(): this {
    return this.#op(0x04, 0x40);
  }
  /** `else`. */
  else(): this {
    return this.#op(0x05);
  }
  /** `call index` (the function's index in the module). */
  call(index: number): this {
    return this.#op(0x10, ...unsigned(index));
  }
  /** `select`: the first of two values if the i32 on top is non-zero, else the second. */
  select(): this {
    return this.#op(0x1b);
  }

  // Scalar floats.
  /** `f32.load offset`. */
  f32Load(offset = 0): this {
    return this.#op(0x2a, ALIGN_4, ...unsigned(offset));
  }
  /** `f32.store offset`. */
  f32Store(offset = 0): this {
    return this.#op(0x38, ALIGN_4, ...unsigned(offset));
  }
  /** `f64.load offset`. */
  f64Load(offset = 0): this {
    return this.#op(0x2b, 3, ...unsigned(offset));
  }
  /** `f64.store offset`. */
  f64Store(offset = 0): this {
    return this.#op(0x39, 3, ...unsigned(offset));
  }
  /** `f64.const`. */
  f64(value: number): this {
    return this.#op(0x44, ...new Uint8Array(new Float64Array([value]).buffer));
  }
  /** `f64.promote_f32`. */
  promote(): this {
    return this.#op(0xbb);
  }
  /** `f32.demote_f64`. */
  demote(): this {
    return this.#op(0xb6);
  }
  /** `f64.convert_i32_s`. */
  f64FromI32(): this {
    return this.#op(0xb7);
  }
  /** `f64.add`. */
  f64Add(): this {
    return this.#op(0xa0);
  }
  /** `f64.sub`. */
  f64Sub(): this {
    return this.#op(0xa1);
  }
  /** `f64.mul`. */
  f64Mul(): this {
    return this.#op(0xa2);
  }
  /** `f64.div`. */
  f64Div(): this {
    return this.#op(0xa3);
  }
  /** `f64.min` (NaN if either is). */
  f64Min(): this {
    return this.#op(0xa4);
  }
  /** `f64.max` (NaN if either is). */
  f64Max(): this {
    return this.#op(0xa5);
  }
  /** `f64.abs`. */
  f64Abs(): this {
    return this.#op(0x99);
  }
  /** `f64.neg`. */
  f64Neg(): this {
    return this.#op(0x9a);
  }
  /** `f64.floor`. */
  f64Floor(): this {
    return this.#op(0x9c);
  }
  /** `f64.nearest` (ties to even). */
  f64Nearest(): this {
    return this.#op(0x9e);
  }
  /** `f64.sqrt`. */
  f64Sqrt(): this {
    return this.#op(0x9f);
  }
  /** `f64.eq`. */
  f64Eq(): this {
    return this.#op(0x61);
  }
  /** `f64.ne`. */
  f64Ne(): this {
    return this.#op(0x62);
  }
  /** `f64.lt`. */
  f64Lt(): this {
    return this.#op(0x63);
  }
  /** `f64.gt`. */
  f64Gt(): this {
    return this.#op(0x64);
  }
  /** `f64.le`. */
  f64Le(): this {
    return this.#op(0x65);
  }
  /** `f64.ge`. */
  f64Ge(): this {
    return this.#op(0x66);
  }
  /** `i64.extend_i32_s`. */
  i64FromI32(): this {
    return this.#op(0xac);
  }
  /** `i64.const`. */
  i64(value: number): this {
    return this.#op(0x42, ...signed64(BigInt(value)));
  }
  /** `i64.add`. */
  i64Add(): this {
    return this.#op(0x7c);
  }
  /** `i64.and`. */
  i64And(): this {
    return this.#op(0x83);
  }
  /** `i64.or`. */
  i64Or(): this {
    return this.#op(0x84);
  }
  /** `i64.shl`. */
  i64Shl(): this {
    return this.#op(0x86);
  }
  /** `i64.shr_u`. */
  i64ShrU(): this {
    return this.#op(0x88);
  }
  /** `i32.wrap_i64`. */
  i32FromI64(): this {
    return this.#op(0xa7);
  }
  /** `i64.reinterpret_f64`: an f64's bits. */
  bitsOf(): this {
    return this.#op(0xbd);
  }
  /** `f64.reinterpret_i64`: the f64 with these bits. */
  f64OfBits(): this {
    return this.#op(0xbf);
  }

  // 128-bit SIMD.
  /** `v128.load offset` (16-byte aligned). */
  load(offset = 0): this {
    return this.#simd(0x00, ALIGN_16, ...unsigned(offset));
  }
  /** `v128.load32_splat offset`: one float in all four lanes. */
  loadSplat(offset = 0): this {
    return this.#simd(0x09, ALIGN_4, ...unsigned(offset));
  }
  /** `v128.store offset` (16-byte aligned). */
  store(offset = 0): this {
    return this.#simd(0x0b, ALIGN_16, ...unsigned(offset));
  }
  /** `v128.const` of four equal floats. */
  splatConst(value: number): this {
    const lane = [...new Uint8Array(new Float32Array([value]).buffer)];
    return this.#simd(0x0c, ...lane, ...lane, ...lane, ...lane);
  }
  /** `f32x4.extract_lane lane`. */
  extractLane(lane: number): this {
    return this.#simd(0x1f, lane);
  }
  /** `f32x4.gt`. */
  gt(): this {
    return this.#simd(0x44);
  }
  /** `v128.and`. */
  and(): this {
    return this.#simd(0x4e);
  }
  /** `f32x4.abs`. */
  abs(): this {
    return this.#simd(0xe0);
  }
  /** `f32x4.sqrt`. */
  sqrt(): this {
    return this.#simd(0xe3);
  }
  /** `f32x4.add`. */
  vAdd(): this {
    return this.#simd(0xe4);
  }
  /** `f32x4.sub`. */
  vSub(): this {
    return this.#simd(0xe5);
  }
  /** `f32x4.mul`. */
  vMul(): this {
    return this.#simd(0xe6);
  }
  /** `f32x4.div`. */
  vDiv(): this {
    return this.#simd(0xe7);
  }
  /** `f32x4.min`. */
  vMin(): this {
    return this.#simd(0xe8);
  }
  /** `f32x4.max`. */
  vMax(): this {
    return this.#simd(0xe9);
  }
  /** `f32x4.relaxed_madd`: `a * b + c`, fused where the CPU has FMA. */
  relaxedMadd(): this {
    return this.#simd(0x105);
  }
  /** `f64x2.promote_low_f32x4`. */
  promoteLow(): this {
    return this.#simd(0x5f);
  }
  /** `f64x2.add`. */
  f64x2Add(): this {
    return this.#simd(0xf0);
  }
  /** `f64x2.mul`. */
  f64x2Mul(): this {
    return this.#simd(0xf2);
  }
  /** `f64x2.extract_lane lane`. */
  f64x2ExtractLane(lane: number): this {
    return this.#simd(0x21, lane);
  }
  /** `i8x16.shuffle` of the two v128s on the stack giving the first one's float lanes 2, 3, 2, 3. */
  highHalf(): this {
    return this.#simd(0x0d, 8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15);
  }
  /** `v128.const` of zeros. */
  zero(): this {
    return this.splatConst(0);
  }
}

/** A function of a module, exported under `name`. */
export interface ExportedFunction {
  /** Export name. */
  readonly name: string;
  /** Its body. */
  readonly body: FunctionBody;
}

/** Options of {@linkcode encodeModule}. */
export interface ModuleOptions {
  /** Initial pages (64 KiB each) of the memory imported as `env.memory`. */
  readonly minPages: number;
  /** Maximum pages of a shared memory (a shared memory must declare one). @default {65536} */
  readonly maxPages?: number;
  /** Import a shared memory (for threads). @default {false} */
  readonly shared?: boolean;
}

/**
 * Encodes a module that imports its memory as `env.memory` and exports `functions`.
 *
 * @param functions The functions, in order.
 * @param options The memory's limits.
 * @returns The module's bytes.
 *
 * @example
 * ```ts
 * import { encodeModule, FunctionBody } from "./wasm_module.ts";
 * import assert from "node:assert/strict";
 *
 * const add = new FunctionBody(["i32", "i32"], ["i32"]).get(0).get(1).add();
 * const bytes = encodeModule([{ name: "add", body: add }], { minPages: 1 });
 * const memory = new WebAssembly.Memory({ initial: 1 });
 * const { instance } = await WebAssembly.instantiate(bytes, { env: { memory } });
 * assert.equal((instance.exports.add as (a: number, b: number) => number)(2, 3), 5);
 * ```
 */
export function encodeModule(
  functions: readonly ExportedFunction[],
  options: ModuleOptions,
): Uint8Array<ArrayBuffer> {
  const types = functions.map(({ body }) => [
    0x60,
    ...unsigned(body.params.length),
    ...body.params.map((t) => TYPE_CODES[t]),
    ...unsigned(body.results.length),
    ...body.results.map((t) => TYPE_CODES[t]),
  ]);
  const maxPages = options.maxPages ?? 65_536;
  const limits = options.shared
    ? [0x03, ...unsigned(options.minPages), ...unsigned(maxPages)]
    : [0x00, ...unsigned(options.minPages)];
  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vector(types)),
    ...section(2, vector([[...name("env"), ...name("memory"), 0x02, ...limits]])),
    ...section(3, vector(functions.map((_, i) => unsigned(i)))),
    ...section(7, vector(functions.map((fn, i) => [...name(fn.name), 0x00, ...unsigned(i)]))),
    ...section(10, vector(functions.map(({ body }) => body.encode()))),
  ];
  return new Uint8Array(bytes);
}

/** What this runtime's WebAssembly accepts, checked with `WebAssembly.validate` on tiny modules. */
export interface WasmFeatures {
  /** 128-bit SIMD. */
  readonly simd: boolean;
  /** Relaxed SIMD (`f32x4.relaxed_madd`). */
  readonly relaxedSimd: boolean;
}

let features: WasmFeatures | undefined;

/** Checks once which SIMD features this runtime validates. */
export function wasmFeatures(): WasmFeatures {
  if (features !== undefined) return features;
  const probe = (build: (body: FunctionBody) => void) => {
    const body = new FunctionBody([], []);
    build(body);
    try {
      return WebAssembly.validate(encodeModule([{ name: "f", body }], { minPages: 1 }));
    } catch {
      return false;
    }
  };
  features = {
    simd: probe((b) => b.zero().zero().vAdd().drop()),
    relaxedSimd: probe((b) => b.zero().zero().zero().relaxedMadd().drop()),
  };
  return features;
}
