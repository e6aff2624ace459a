/**
 * `exp` and `log` in float64 for the head kernels: WebAssembly has neither. Both reduce the argument by powers
 * of two and sum a short series, to within 2 ulp of `Math.exp` / `Math.log` (tested over their ranges), far
 * inside the float32 tolerance the engine is held to.
 *
 * @module
 */
import { FunctionBody } from "./wasm_module.ts";

/** ln 2 split in a high part with trailing zero bits (k * LN2_HI is exact for |k| < 2^11) and the rest. */
const LN2_HI = 6.93147180369123816490e-1;
const LN2_LO = 1.90821492927058770002e-10;
const INV_LN2 = 1.44269504088896338700;
/** Beyond these, exp is +Infinity or rounds to 0 (the clamp also keeps the scale exponents in range). */
const EXP_MAX = 710;
const EXP_MIN = -746;
/** Terms of the series: |r| <= ln2 / 2 makes the 14th term under 1e-17 of the sum. */
const EXP_TERMS = 13;
/** Terms of log's atanh series: |s| <= 0.1716 makes the 12th under 1e-19. */
const LOG_TERMS = 11;
const MANTISSA = 0xfffffffffffff;
const EXPONENT_BIAS = 1023;

/** Leaves `2^k` (an f64) on the stack for the i32 exponent in local `k`, -1022 <= k <= 1023. */
function powerOfTwo(body: FunctionBody, k: number): void {
  body.get(k).i32(EXPONENT_BIAS).add().i64FromI32().i64(52).i64Shl().f64OfBits();
}

/**
 * `exp(x: f64) -> f64`: x = k ln2 + r with |r| <= ln2 / 2, exp(r) by its Taylor series in Horner form, times
 * 2^k applied in two halves so that results near the overflow and underflow ends stay right. NaN gives NaN.
 *
 * @returns The function body.
 */
export function expFunction(): FunctionBody {
  const body = new FunctionBody(["f64"], ["f64"]);
  const X = 0;
  const k = body.local("i32");
  const half = body.local("i32");
  const kf = body.local("f64");
  const r = body.local("f64");
  const sum = body.local("f64");
  body.get(X).f64(EXP_MAX).f64Min().f64(EXP_MIN).f64Max().set(X);
  body.get(X).f64(INV_LN2).f64Mul().f64Nearest().tee(kf).truncF64().set(k);
  body.get(X).get(kf).f64(LN2_HI).f64Mul().f64Sub().get(kf).f64(LN2_LO).f64Mul().f64Sub().set(r);
  // 1 + r (1 + r/2 (1 + r/3 (...)))
  body.f64(1).set(sum);
  for (let n = EXP_TERMS; n >= 1; n--) {
    body.get(sum).get(r).f64Mul().f64(1 / n).f64Mul().f64(1).f64Add().set(sum);
  }
  // k = half + (k - half), each half in 2^(-523..512).
  body.get(k).i32(1).shrS().set(half);
  body.get(sum);
  powerOfTwo(body, half);
  body.f64Mul();
  body.get(k).get(half).sub().set(k);
  powerOfTwo(body, k);
  body.f64Mul();
  return body;
}

/**
 * `log(x: f64) -> f64` for normal positive x: x = m 2^e with m in [sqrt(1/2), sqrt(2)), and
 * log(m) = 2 atanh((m - 1) / (m + 1)) by its series.
 *
 * @returns The function body.
 */
export function logFunction(): FunctionBody {
  const body = new FunctionBody(["f64"], ["f64"]);
  const X = 0;
  const e = body.local("i32");
  const m = body.local("f64");
  const s = body.local("f64");
  const s2 = body.local("f64");
  const sum = body.local("f64");
  body.get(X).bitsOf().i64(52).i64ShrU().i32FromI64().i32(0x7ff).andI32().i32(EXPONENT_BIAS).sub().set(e);
  body.get(X).bitsOf().i64(MANTISSA).i64And().i64(EXPONENT_BIAS).i64(52).i64Shl().i64Or().f64OfBits().set(m);
  body.get(m).f64(Math.SQRT2).f64Gt().if();
  body.get(m).f64(0.5).f64Mul().set(m);
  body.get(e).i32(1).add().set(e);
  body.end();
  body.get(m).f64(1).f64Sub().get(m).f64(1).f64Add().f64Div().tee(s).get(s).f64Mul().set(s2);
  // 2 s (1 + s2/3 + s2^2/5 + ...), in Horner form from the last term.
  body.f64(1 / (2 * LOG_TERMS + 1)).set(sum);
  for (let n = LOG_TERMS - 1; n >= 0; n--) {
    body.get(sum).get(s2).f64Mul().f64(1 / (2 * n + 1)).f64Add().set(sum);
  }
  body.get(e).f64FromI32().tee(m).f64(LN2_HI).f64Mul();
  body.get(m).f64(LN2_LO).f64Mul().get(s).f64(2).f64Mul().get(sum).f64Mul().f64Add();
  body.f64Add();
  return body;
}
