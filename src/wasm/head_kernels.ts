/**
 * Generators of the WebAssembly engine's head kernels: acting (sampling or greedy actions and their
 * log-probabilities), evaluating (log-probabilities and entropies), and the PPO loss with its gradient with
 * respect to the heads' outputs, for a categorical head (with or without an action mask) or a gaussian one.
 * They read the heads' float32 outputs where the dense kernels left them and compute in float64 with the same
 * formulas, in the same order, as the core reference functions (`categoricalSample`, `gaussianLogProb`,
 * `ppoLoss`, `categoricalBackward`, ...), so results agree with the reference to float32 rounding.
 *
 * A kernel does not throw: it returns 0, or 1 + the first row whose input the reference would refuse (a
 * logit that is not finite, an action out of range or masked, a row with no allowed action, a uniform outside
 * [0, 1)), and the engine then runs the reference on the same inputs for its error message.
 *
 * @module
 */
import { FunctionBody } from "./wasm_module.ts";

/** The head a kernel is generated for. */
export type HeadSpec =
  | {
    readonly kind: "categorical";
    /** Number of actions. */
    readonly n: number;
    /** Whether the kernel reads an action mask (`[rows * n]` bytes, 0 = never). */
    readonly masked: boolean;
  }
  | {
    readonly kind: "gaussian";
    /** Action dimensions. */
    readonly dim: number;
  };

/** Where the heads' outputs are and how to call `exp` and `log`. */
export interface HeadKernelOptions {
  /** The head. */
  readonly head: HeadSpec;
  /** Floats between two rows of the policy head's outputs (and of their gradient). */
  readonly policyStride: number;
  /** Floats between two rows of the value head's outputs (and of their gradient). */
  readonly valueStride: number;
  /** Function indices of `exp` and `log` in the module. */
  readonly exp: number;
  /** Function index of `log`. */
  readonly log: number;
}

/**
 * Byte offsets in the loss kernel's float64 `io` block: options in, loss parts out, then the gaussian log-std
 * gradient (`[dim]`).
 */
export const LOSS_IO = {
  clipCoef: 0,
  entCoef: 8,
  vfCoef: 16,
  normAdv: 24,
  clipVloss: 32,
  loss: 64,
  policyLoss: 72,
  valueLoss: 80,
  entropy: 88,
  oldApproxKl: 96,
  approxKl: 104,
  clipfrac: 112,
  gradLogStd: 128,
} as const;

/** Bytes of the loss kernel's `io` block for a head of `dim` log-stds (0 for categorical heads). */
export function lossIoBytes(dim: number): number {
  return LOSS_IO.gradLogStd + 8 * dim;
}

const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);
const ENTROPY_PER_DIM = 0.5 + 0.5 * Math.log(2 * Math.PI);

/**
 * A function body with structured control flow that tracks its nesting, so a failing row can leave the row
 * loop from any depth, and with the row loop's pointers.
 */
class Emitter {
  readonly body: FunctionBody;
  readonly options: HeadKernelOptions;
  /** The i32 status local: 0, or 1 + the failing row. */
  readonly status: number;
  /** The row index local. */
  readonly row: number;
  #depth = 0;
  #exitDepth = -1;

  constructor(params: number, options: HeadKernelOptions) {
    this.body = new FunctionBody(new Array(params).fill("i32"), ["i32"]);
    this.options = options;
    this.status = this.body.local("i32");
    this.row = this.body.local("i32");
  }

  f64(): number {
    return this.body.local("f64");
  }

  i32(): number {
    return this.body.local("i32");
  }

  open(kind: "block" | "loop" | "if"): this {
    if (kind === "block") this.body.block();
    else if (kind === "loop") this.body.loop();
    else this.body.if();
    this.#depth++;
    return this;
  }

  close(): this {
    this.body.end();
    this.#depth--;
    return this;
  }

  /** `if (condition on the stack is zero) fail`: records the row and leaves the row loop. */
  failUnless(): this {
    this.body.eqz();
    this.open("if");
    this.body.get(this.row).i32(1).add().set(this.status);
    this.body.br(this.#depth - this.#exitDepth);
    return this.close();
  }

  /**
   * `for (row = 0; row < rows; row++) { each(); advance pointers }`, leaving the loop early on a failure.
   *
   * @param rows The parameter holding the row count.
   * @param pointers Parameters or locals advanced by their byte stride after each row.
   * @param each Emits one row's work.
   */
  rows(rows: number, pointers: readonly [local: number, bytes: number][], each: () => void): void {
    const b = this.body;
    b.i32(0).set(this.row);
    this.open("block");
    this.#exitDepth = this.#depth;
    b.get(this.row).get(rows).ltU().eqz().brIf(0);
    this.open("loop");
    each();
    for (const [local, bytes] of pointers) b.get(local).i32(bytes).add().set(local);
    b.get(this.row).i32(1).add().tee(this.row).get(rows).ltU().brIf(0);
    this.close().close();
    this.#exitDepth = -1;
  }

  /** `local = exp(value on the stack)`. */
  exp(local: number): void {
    this.body.call(this.options.exp).set(local);
  }

  /** Reads `count` float32 values from `pointer + 4 j` into new f64 locals. */
  loadRow(pointer: number, count: number): number[] {
    return Array.from({ length: count }, (_, j) => {
      const local = this.f64();
      this.body.get(pointer).f32Load(4 * j).promote().set(local);
      return local;
    });
  }
}

/** The mask's row pointer for a masked categorical kernel's row loop (`n` bytes a row), else none. */
function maskRows(head: HeadSpec, mask: number): [number, number][] {
  return head.kind === "categorical" && head.masked ? [[mask, head.n]] : [];
}

/** Locals of one categorical row: logits, their allowed flags, and the row's log-sum-exp. */
interface CategoricalRow {
  readonly z: readonly number[];
  readonly allowed: readonly number[] | null;
  readonly lse: number;
}

/**
 * Loads a categorical row and its mask and computes its log-sum-exp as `rowLogSumExp` does, failing the row
 * where the reference throws (a logit +Infinity or NaN, no allowed action, every allowed logit -Infinity).
 */
function categoricalRow(e: Emitter, n: number, policy: number, mask: number | null): CategoricalRow {
  const b = e.body;
  const z = e.loadRow(policy, n);
  const allowed = mask === null ? null : z.map((_, j) => {
    const local = e.i32();
    b.get(mask).load8(j).set(local);
    return local;
  });
  const max = e.f64();
  const count = e.i32();
  const lse = e.f64();
  const sum = e.f64();
  const term = e.f64();
  b.f64(-Infinity).set(max);
  b.i32(0).set(count);
  const eachAllowed = (j: number, emit: () => void) => {
    if (allowed === null) return emit();
    b.get(allowed[j]!);
    e.open("if");
    emit();
    e.close();
  };
  for (let j = 0; j < n; j++) {
    eachAllowed(j, () => {
      b.get(count).i32(1).add().set(count);
      b.get(z[j]!).f64(Infinity).f64Lt();
      e.failUnless();
      b.get(z[j]!).get(max).f64Gt();
      e.open("if");
      b.get(z[j]!).set(max);
      e.close();
    });
  }
  b.get(count);
  e.failUnless();
  b.get(max).f64(-Infinity).f64Gt();
  e.failUnless();
  b.f64(0).set(sum);
  for (let j = 0; j < n; j++) {
    eachAllowed(j, () => {
      b.get(z[j]!).get(max).f64Sub();
      e.exp(term);
      b.get(sum).get(term).f64Add().set(sum);
    });
  }
  b.get(max).get(sum).call(e.options.log).f64Add().set(lse);
  return { z, allowed, lse };
}

/** Emits `if allowed[j]` around `emit` for a masked row, or `emit` alone. */
function ifAllowed(e: Emitter, row: CategoricalRow, j: number, emit: () => void): void {
  if (row.allowed === null) return emit();
  e.body.get(row.allowed[j]!);
  e.open("if");
  emit();
  e.close();
}

/**
 * Reads the row's action (a float) into an i32 local, failing unless it is an integer in [0, n) and allowed,
 * as `actionAt` requires.
 */
function categoricalAction(e: Emitter, n: number, actions: number, mask: number | null): number {
  const b = e.body;
  const af = e.f64();
  const a = e.i32();
  b.get(actions).f32Load().promote().tee(af).f64(0).f64Ge();
  b.get(af).f64(n).f64Lt().andI32();
  b.get(af).f64Floor().get(af).f64Eq().andI32();
  e.failUnless();
  b.get(af).truncF64().set(a);
  if (mask !== null) {
    b.get(mask).get(a).add().load8();
    e.failUnless();
  }
  return a;
}

/** `logits[a] - lse` for the row, read back at the action's column. */
function categoricalLogProb(e: Emitter, policy: number, a: number, lse: number, out: number): void {
  e.body.get(policy).get(a).i32(4).mul().add().f32Load().promote().get(lse).f64Sub().set(out);
}

/**
 * The row's entropy as `categoricalEntropy` computes it; leaves each allowed column's log-probability and
 * probability in the returned locals.
 */
function categoricalEntropy(e: Emitter, row: CategoricalRow, entropy: number) {
  const b = e.body;
  const logP = row.z.map(() => e.f64());
  const p = row.z.map(() => e.f64());
  b.f64(0).set(entropy);
  row.z.forEach((z, j) => {
    ifAllowed(e, row, j, () => {
      b.get(z).get(row.lse).f64Sub().tee(logP[j]!);
      e.exp(p[j]!);
      b.get(entropy).get(p[j]!).get(logP[j]!).f64Mul().f64Sub().set(entropy);
    });
  });
  return { logP, p };
}

/** Loads the gaussian head's log-stds (float32 at `logStd`) and their exps into f64 locals. */
function gaussianScales(e: Emitter, dim: number, logStd: number) {
  const s = e.loadRow(logStd, dim);
  const std = s.map((local) => {
    const out = e.f64();
    e.body.get(local);
    e.exp(out);
    return out;
  });
  return { s, std };
}

/** `gaussianLogProb` of the float32 actions at `actions` under the means at `means`. */
function gaussianLogProb(
  e: Emitter,
  scales: { s: readonly number[]; std: readonly number[] },
  means: readonly number[],
  actions: readonly number[],
  out: number,
): void {
  const b = e.body;
  b.f64(0).set(out);
  means.forEach((mean, d) => {
    const diff = e.f64();
    b.get(actions[d]!).get(mean).f64Sub().set(diff);
    b.get(out).get(diff).get(diff).f64Mul().f64Neg();
    b.f64(2).get(scales.std[d]!).f64Mul().get(scales.std[d]!).f64Mul().f64Div();
    b.get(scales.s[d]!).f64Sub().f64(HALF_LOG_TWO_PI).f64Sub().f64Add().set(out);
  });
}

/** `gaussianEntropy`: the same for every row. */
function gaussianEntropy(e: Emitter, s: readonly number[], out: number): void {
  const b = e.body;
  b.f64(0).set(out);
  for (const local of s) b.get(out).f64(ENTROPY_PER_DIM).get(local).f64Add().f64Add().set(out);
}

/**
 * `act(policy, mask, noise, actions, logProbs, rows, greedy) -> status`: for every row, a sampled action
 * (inverse CDF of the row's uniform, as `categoricalSample`; or mean + std * normal for a gaussian head) or the
 * greedy one, and its log-probability, written as float32. `mask` is the action mask (bytes) of a masked
 * categorical kernel, the log-std's address for a gaussian one.
 *
 * @param options The head and where its outputs are.
 * @returns The function body.
 */
export function actKernel(options: HeadKernelOptions): FunctionBody {
  const [POLICY, MASK, NOISE, ACTIONS, LOG_PROBS, ROWS, GREEDY] = [0, 1, 2, 3, 4, 5, 6];
  const e = new Emitter(7, options);
  const b = e.body;
  const head = options.head;
  const logProb = e.f64();
  if (head.kind === "categorical") {
    const masked = head.masked;
    const chosen = e.i32();
    const lastPositive = e.i32();
    const u = e.f64();
    const cumulative = e.f64();
    const p = e.f64();
    const best = e.f64();
    e.rows(ROWS, [
      [POLICY, 4 * options.policyStride],
      [NOISE, 4],
      [ACTIONS, 4],
      [LOG_PROBS, 4],
      ...maskRows(head, MASK),
    ], () => {
      const row = categoricalRow(e, head.n, POLICY, masked ? MASK : null);
      b.i32(-1).set(chosen);
      b.get(GREEDY);
      e.open("if");
      // categoricalMode: the first allowed column with the largest logit.
      b.f64(-Infinity).set(best);
      row.z.forEach((z, j) => {
        ifAllowed(e, row, j, () => {
          b.get(chosen).i32(0).ltS().get(z).get(best).f64Gt().orI32();
          e.open("if");
          b.i32(j).set(chosen).get(z).set(best);
          e.close();
        });
      });
      b.else();
      // categoricalSample: the first column whose cumulative probability passes u, else the last with mass.
      b.get(NOISE).f32Load().promote().tee(u).f64(0).f64Ge().get(u).f64(1).f64Lt().andI32();
      e.failUnless();
      b.i32(-1).set(lastPositive).f64(0).set(cumulative);
      row.z.forEach((z, j) => {
        ifAllowed(e, row, j, () => {
          b.get(z).get(row.lse).f64Sub();
          e.exp(p);
          b.get(p).f64(0).f64Gt();
          e.open("if");
          b.i32(j).set(lastPositive);
          e.close();
          b.get(cumulative).get(p).f64Add().set(cumulative);
          b.get(chosen).i32(0).ltS().get(u).get(cumulative).f64Lt().andI32();
          e.open("if");
          b.i32(j).set(chosen);
          e.close();
        });
      });
      b.get(chosen).get(lastPositive).get(chosen).i32(0).geS().select().set(chosen);
      e.close();
      b.get(ACTIONS).get(chosen).f64FromI32().demote().f32Store();
      categoricalLogProb(e, POLICY, chosen, row.lse, logProb);
      b.get(LOG_PROBS).get(logProb).demote().f32Store();
    });
  } else {
    const dim = head.dim;
    const scales = gaussianScales(e, dim, MASK);
    e.rows(ROWS, [
      [POLICY, 4 * options.policyStride],
      [NOISE, 4 * dim],
      [ACTIONS, 4 * dim],
      [LOG_PROBS, 4],
    ], () => {
      const means = e.loadRow(POLICY, dim);
      // The action is stored as float32 and its log-density taken there, where training will see it.
      const actions = means.map((mean, d) => {
        const action = e.f64();
        b.get(mean);
        b.get(mean).get(scales.std[d]!).get(NOISE).f32Load(4 * d).promote().f64Mul().f64Add();
        b.get(GREEDY).select().demote().promote().set(action);
        b.get(ACTIONS).get(action).demote().f32Store(4 * d);
        return action;
      });
      gaussianLogProb(e, scales, means, actions, logProb);
      b.get(LOG_PROBS).get(logProb).demote().f32Store();
    });
  }
  b.get(e.status);
  return b;
}

/**
 * `evaluate(policy, mask, actions, logProbs, entropy, rows) -> status`: the log-probability of every row's
 * action and the row's entropy, written as float32. For a gaussian head `mask` holds the log-std's address.
 *
 * @param options The head and where its outputs are.
 * @returns The function body.
 */
export function evaluateKernel(options: HeadKernelOptions): FunctionBody {
  const [POLICY, MASK, ACTIONS, LOG_PROBS, ENTROPY, ROWS] = [0, 1, 2, 3, 4, 5];
  const e = new Emitter(6, options);
  const b = e.body;
  const head = options.head;
  const logProb = e.f64();
  const entropy = e.f64();
  if (head.kind === "categorical") {
    const masked = head.masked;
    e.rows(ROWS, [
      [POLICY, 4 * options.policyStride],
      [ACTIONS, 4],
      [LOG_PROBS, 4],
      [ENTROPY, 4],
      ...maskRows(head, MASK),
    ], () => {
      const row = categoricalRow(e, head.n, POLICY, masked ? MASK : null);
      const a = categoricalAction(e, head.n, ACTIONS, masked ? MASK : null);
      categoricalLogProb(e, POLICY, a, row.lse, logProb);
      categoricalEntropy(e, row, entropy);
      b.get(LOG_PROBS).get(logProb).demote().f32Store();
      b.get(ENTROPY).get(entropy).demote().f32Store();
    });
  } else {
    const dim = head.dim;
    const scales = gaussianScales(e, dim, MASK);
    gaussianEntropy(e, scales.s, entropy);
    e.rows(ROWS, [
      [POLICY, 4 * options.policyStride],
      [ACTIONS, 4 * dim],
      [LOG_PROBS, 4],
      [ENTROPY, 4],
    ], () => {
      const means = e.loadRow(POLICY, dim);
      const actions = e.loadRow(ACTIONS, dim);
      gaussianLogProb(e, scales, means, actions, logProb);
      b.get(LOG_PROBS).get(logProb).demote().f32Store();
      b.get(ENTROPY).get(entropy).demote().f32Store();
    });
  }
  b.get(e.status);
  return b;
}

/**
 * `loss(policy, values, gradPolicy, gradValues, actions, oldLogProbs, advantages, returns, oldValues, mask,
 * rows, io) -> status`: CleanRL's PPO loss on the heads' outputs, as `ppoHeadLoss` with `roundLogProbs`
 * computes it, and its gradient with respect to the outputs, written as float32 into `gradPolicy` and
 * `gradValues` (rows at the heads' strides). The minibatch arrays are float32, `mask` bytes (a masked
 * categorical head) or the log-std's address (a gaussian head). `io` is a float64 block laid out as
 * {@linkcode LOSS_IO}: options in, the loss parts and the log-std's gradient out.
 *
 * @param options The head and where its outputs are.
 * @returns The function body.
 */
export function lossKernel(options: HeadKernelOptions): FunctionBody {
  const [POLICY, VALUES, GRAD_POLICY, GRAD_VALUES, ACTIONS, OLD_LOG_PROBS, ADVANTAGES, RETURNS, OLD_VALUES] =
    [
      0,
      1,
      2,
      3,
      4,
      5,
      6,
      7,
      8,
    ];
  const [MASK, ROWS, IO] = [9, 10, 11];
  const e = new Emitter(12, options);
  const b = e.body;
  const head = options.head;
  const f = () => e.f64();
  const [n, mean, denominator, clipCoef, entCoef, vfCoef, gradEntropy] = [f(), f(), f(), f(), f(), f(), f()];
  const [policySum, valueSum, entropySum, oldKlSum, klSum, clipped] = [f(), f(), f(), f(), f(), f()];
  const [advantage, logProb, entropy, logRatio, ratio, unclipped, clippedLoss, gradLogProb] = [
    f(),
    f(),
    f(),
    f(),
    f(),
    f(),
    f(),
    f(),
  ];
  const [value, error, oldValue, delta, clippedError, unclippedSquare, clippedSquare] = [
    f(),
    f(),
    f(),
    f(),
    f(),
    f(),
    f(),
  ];
  const pointer = e.i32();
  b.get(ROWS).f64FromI32().set(n);
  b.get(IO).f64Load(LOSS_IO.clipCoef).set(clipCoef);
  b.get(IO).f64Load(LOSS_IO.entCoef).set(entCoef);
  b.get(IO).f64Load(LOSS_IO.vfCoef).set(vfCoef);
  b.get(entCoef).f64Neg().get(n).f64Div().set(gradEntropy);
  // normalizeAdvantages: (a - mean) / (unbiased std + 1e-8); without it mean 0 and 1 leave a unchanged.
  b.f64(0).set(mean).f64(1).set(denominator);
  b.get(IO).f64Load(LOSS_IO.normAdv).f64(0).f64Ne();
  e.open("if");
  const sums = (emit: () => void) => {
    b.get(ADVANTAGES).set(pointer).i32(0).set(e.row);
    e.open("block").open("loop");
    emit();
    b.get(pointer).i32(4).add().set(pointer);
    b.get(e.row).i32(1).add().tee(e.row).get(ROWS).ltU().brIf(0);
    e.close().close();
  };
  b.f64(0).set(mean);
  sums(() => b.get(mean).get(pointer).f32Load().promote().f64Add().set(mean));
  b.get(mean).get(n).f64Div().set(mean);
  b.f64(0).set(denominator);
  sums(() =>
    b.get(pointer).f32Load().promote().get(mean).f64Sub().tee(delta).get(delta).f64Mul()
      .get(denominator).f64Add().set(denominator)
  );
  b.get(denominator).get(n).f64(1).f64Sub().f64Div().f64Sqrt().f64(1e-8).f64Add().set(denominator);
  e.close();
  for (const local of [policySum, valueSum, entropySum, oldKlSum, klSum, clipped]) b.f64(0).set(local);

  // Per head: the row's log-probability and entropy before the loss, its output gradient after.
  let rowHead: () => { backward: () => void };
  let finish = () => {};
  if (head.kind === "categorical") {
    const masked = head.masked;
    rowHead = () => {
      const row = categoricalRow(e, head.n, POLICY, masked ? MASK : null);
      const a = categoricalAction(e, head.n, ACTIONS, masked ? MASK : null);
      categoricalLogProb(e, POLICY, a, row.lse, logProb);
      const { logP, p } = categoricalEntropy(e, row, entropy);
      return {
        backward: () => {
          // categoricalBackward: gLogProb (onehot - p) - gEntropy p (logP + entropy); masked columns 0.
          row.z.forEach((_, j) => {
            b.get(GRAD_POLICY);
            b.get(gradLogProb).f64(1).f64(0).get(a).i32(j).eq().select().get(p[j]!).f64Sub().f64Mul();
            b.get(gradEntropy).get(p[j]!).f64Mul().get(logP[j]!).get(entropy).f64Add().f64Mul().f64Sub();
            if (row.allowed !== null) b.f64(0).get(row.allowed[j]!).select();
            b.demote().f32Store(4 * j);
          });
        },
      };
    };
  } else {
    const dim = head.dim;
    const scales = gaussianScales(e, dim, MASK);
    const rowEntropy = f();
    gaussianEntropy(e, scales.s, rowEntropy);
    const gradLogStd = scales.s.map(() => f());
    const entropyTotal = f();
    for (const local of [...gradLogStd, entropyTotal]) b.f64(0).set(local);
    rowHead = () => {
      const means = e.loadRow(POLICY, dim);
      const actions = e.loadRow(ACTIONS, dim);
      gaussianLogProb(e, scales, means, actions, logProb);
      b.get(rowEntropy).set(entropy);
      return {
        backward: () => {
          // gaussianBackward: dmean = gLogProb z / std, dlogStd += gLogProb (z^2 - 1), + the entropy's share.
          b.get(entropyTotal).get(gradEntropy).f64Add().set(entropyTotal);
          means.forEach((mean, d) => {
            const z = f();
            b.get(actions[d]!).get(mean).f64Sub().get(scales.std[d]!).f64Div().set(z);
            b.get(GRAD_POLICY).get(gradLogProb).get(z).f64Mul().get(scales.std[d]!).f64Div().demote()
              .f32Store(4 * d);
            b.get(gradLogStd[d]!).get(gradLogProb).get(z).get(z).f64Mul().f64(1).f64Sub().f64Mul().f64Add()
              .set(gradLogStd[d]!);
          });
        },
      };
    };
    finish = () => {
      gradLogStd.forEach((local, d) => {
        b.get(IO).get(local).get(entropyTotal).f64Add().f64Store(LOSS_IO.gradLogStd + 8 * d);
      });
    };
  }

  /** Leaves gradA, gradB or their mean on the stack, as `pickMax` chooses for the larger of a and b. */
  const pickMax = (a: number, bb: number, gradA: () => void, gradB: () => void) => {
    const out = f();
    b.get(a).get(bb).f64Gt();
    e.open("if");
    gradA();
    b.set(out).else();
    b.get(a).get(bb).f64Lt();
    e.open("if");
    gradB();
    b.set(out).else();
    gradA();
    gradB();
    b.f64Add().f64(0.5).f64Mul().set(out);
    e.close().close();
    b.get(out);
  };

  const policyRows = 4 * options.policyStride;
  const actionBytes = head.kind === "categorical" ? 4 : 4 * head.dim;
  e.rows(ROWS, [
    [POLICY, policyRows],
    [GRAD_POLICY, policyRows],
    [VALUES, 4 * options.valueStride],
    [GRAD_VALUES, 4 * options.valueStride],
    [ACTIONS, actionBytes],
    [OLD_LOG_PROBS, 4],
    [ADVANTAGES, 4],
    [RETURNS, 4],
    [OLD_VALUES, 4],
    ...maskRows(head, MASK),
  ], () => {
    const { backward } = rowHead();
    // ppoLoss's row: the float32-rounded log-probability against the recorded one.
    b.get(logProb).demote().promote().get(OLD_LOG_PROBS).f32Load().promote().f64Sub().tee(logRatio);
    e.exp(ratio);
    b.get(oldKlSum).get(logRatio).f64Sub().set(oldKlSum);
    b.get(klSum).get(ratio).f64(1).f64Sub().get(logRatio).f64Sub().f64Add().set(klSum);
    b.get(clipped).f64(1).f64(0).get(ratio).f64(1).f64Sub().f64Abs().get(clipCoef).f64Gt().select().f64Add()
      .set(clipped);
    b.get(ADVANTAGES).f32Load().promote().get(mean).f64Sub().get(denominator).f64Div().set(advantage);
    b.get(advantage).f64Neg().get(ratio).f64Mul().set(unclipped);
    b.get(advantage).f64Neg().get(ratio).f64(1).get(clipCoef).f64Sub().f64Max().f64(1).get(clipCoef).f64Add()
      .f64Min().f64Mul().set(clippedLoss);
    b.get(policySum).get(unclipped).get(clippedLoss).f64Max().f64Add().set(policySum);
    const inRange = () =>
      b.get(ratio).f64(1).get(clipCoef).f64Sub().f64Ge().get(ratio).f64(1).get(clipCoef).f64Add().f64Le()
        .andI32();
    pickMax(unclipped, clippedLoss, () => b.get(advantage).f64Neg(), () => {
      b.get(advantage).f64Neg().f64(0);
      inRange();
      b.select();
    });
    b.get(ratio).f64Mul().get(n).f64Div().set(gradLogProb);

    b.get(VALUES).f32Load().promote().tee(value).get(RETURNS).f32Load().promote().f64Sub().set(error);
    b.get(IO).f64Load(LOSS_IO.clipVloss).f64(0).f64Ne();
    e.open("if");
    b.get(OLD_VALUES).f32Load().promote().set(oldValue);
    b.get(value).get(oldValue).f64Sub().set(delta);
    b.get(oldValue).get(delta).get(clipCoef).f64Neg().f64Max().get(clipCoef).f64Min().f64Add()
      .get(RETURNS).f32Load().promote().f64Sub().set(clippedError);
    b.get(error).get(error).f64Mul().set(unclippedSquare);
    b.get(clippedError).get(clippedError).f64Mul().set(clippedSquare);
    b.get(valueSum).get(unclippedSquare).get(clippedSquare).f64Max().f64Add().set(valueSum);
    b.get(GRAD_VALUES).get(vfCoef).f64(0.5).f64Mul();
    pickMax(unclippedSquare, clippedSquare, () => b.f64(2).get(error).f64Mul(), () => {
      b.f64(2).get(clippedError).f64Mul().f64(0);
      b.get(delta).get(clipCoef).f64Neg().f64Ge().get(delta).get(clipCoef).f64Le().andI32();
      b.select();
    });
    b.f64Mul().get(n).f64Div().demote().f32Store();
    b.else();
    b.get(valueSum).get(error).get(error).f64Mul().f64Add().set(valueSum);
    b.get(GRAD_VALUES).get(vfCoef).get(error).f64Mul().get(n).f64Div().demote().f32Store();
    e.close();

    b.get(entropySum).get(entropy).f64Add().set(entropySum);
    backward();
  });
  finish();
  const store = (offset: number, emit: () => void) => {
    b.get(IO);
    emit();
    b.f64Store(offset);
  };
  const policyLoss = f();
  const valueLoss = f();
  const meanEntropy = f();
  b.get(policySum).get(n).f64Div().set(policyLoss);
  b.f64(0.5).get(valueSum).f64Mul().get(n).f64Div().set(valueLoss);
  b.get(entropySum).get(n).f64Div().set(meanEntropy);
  store(LOSS_IO.policyLoss, () => b.get(policyLoss));
  store(LOSS_IO.valueLoss, () => b.get(valueLoss));
  store(LOSS_IO.entropy, () => b.get(meanEntropy));
  store(
    LOSS_IO.loss,
    () =>
      b.get(policyLoss).get(entCoef).get(meanEntropy).f64Mul().f64Sub().get(vfCoef).get(valueLoss).f64Mul()
        .f64Add(),
  );
  store(LOSS_IO.oldApproxKl, () => b.get(oldKlSum).get(n).f64Div());
  store(LOSS_IO.approxKl, () => b.get(klSum).get(n).f64Div());
  store(LOSS_IO.clipfrac, () => b.get(clipped).get(n).f64Div());
  b.get(e.status);
  return b;
}
